"""Independent check of yiwang-vault's formats, run by tests/python_interop.rs.

Reads a JSON request on stdin:
  {"key_file": path,
   "opened": [{"context", "stored", "plaintext"}],   # sealed by Rust: decrypt and compare
   "indexed": [{"context", "value", "index"}],       # blind indexes from Rust: recompute
   "seal": [{"context", "plaintext"}]}               # seal here, for Rust to open
Writes {"sealed": [stored, ...]} on stdout.
Exit 0: all agree; 1: a mismatch (explained on stderr); 77: a dependency is missing.

SM4-GCM comes from pyca `cryptography` (OpenSSL), HMAC-SM3 from Python's `hmac` with OpenSSL's
SM3 through hashlib, or from `gmssl`'s SM3 when hashlib has none.
"""

import base64
import hmac
import json
import os
import sys

MISSING = 77


def missing(reason):
    print(reason, file=sys.stderr)
    sys.exit(MISSING)


def fail(reason):
    print("MISMATCH: " + reason, file=sys.stderr)
    sys.exit(1)


try:
    from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError:
    missing("pyca cryptography is not installed (pip install cryptography)")


def sm4_gcm_encrypt(key, nonce, aad, plaintext):
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    ct = enc.update(plaintext) + enc.finalize()
    return ct + enc.tag


def sm4_gcm_decrypt(key, nonce, aad, ct_and_tag):
    ct, tag = ct_and_tag[:-16], ct_and_tag[-16:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(ct) + dec.finalize()


try:
    sm4_gcm_encrypt(bytes(16), bytes(12), b"", b"probe")
except (UnsupportedAlgorithm, ValueError, AttributeError) as e:
    missing("this cryptography/OpenSSL build has no SM4-GCM: %r" % (e,))


def hmac_sm3_hashlib(key, msg):
    return hmac.new(key, msg, "sm3").digest()


def hmac_sm3_gmssl(key, msg):
    from gmssl import sm3, func

    def h(data):
        return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))

    block = 64
    if len(key) > block:
        key = h(key)
    key = key.ljust(block, b"\0")
    inner = h(bytes(b ^ 0x36 for b in key) + msg)
    return h(bytes(b ^ 0x5C for b in key) + inner)


try:
    hmac_sm3_hashlib(b"k", b"m")
    hmac_sm3 = hmac_sm3_hashlib
except ValueError:
    try:
        hmac_sm3_gmssl(b"k", b"m")
        hmac_sm3 = hmac_sm3_gmssl
    except ImportError:
        missing("no SM3: hashlib lacks 'sm3' and gmssl is not installed (pip install gmssl)")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def main():
    request = json.load(sys.stdin)
    with open(request["key_file"], encoding="utf-8") as f:
        ring = json.load(f)
    if ring["format"] != "yiwang-vault-keys/1":
        fail("unexpected key file format %r" % ring["format"])
    keys = {k["id"]: bytes.fromhex(k["key"]) for k in ring["data_keys"]}
    index_key = bytes.fromhex(ring["index_key"])
    current = ring["current"]

    for case in request["opened"]:
        version, kid, payload = case["stored"].split(".", 2)
        if version != "v1":
            fail("version %r" % version)
        raw = b64url_decode(payload)
        try:
            plain = sm4_gcm_decrypt(keys[kid], raw[:12], case["context"].encode(), raw[12:])
        except InvalidTag:
            fail("SM4-GCM tag rejected for a value sealed under %s" % kid)
        if plain.decode("utf-8") != case["plaintext"]:
            fail("SM4-GCM plaintext differs under %s" % kid)
        # The wrong context must be refused here too.
        try:
            sm4_gcm_decrypt(keys[kid], raw[:12], b"other.context", raw[12:])
            fail("a wrong context was accepted")
        except InvalidTag:
            pass

    for case in request["indexed"]:
        msg = case["context"].encode() + b"\0" + case["value"].encode()
        expected = hmac_sm3(index_key, msg).hex()[:32]
        if expected != case["index"]:
            fail("blind index differs for context %s" % case["context"])

    sealed = []
    for case in request["seal"]:
        nonce = os.urandom(12)
        body = sm4_gcm_encrypt(keys[current], nonce, case["context"].encode(),
                               case["plaintext"].encode("utf-8"))
        sealed.append("v1.%s.%s" % (current, b64url_encode(nonce + body)))
    json.dump({"sealed": sealed, "hmac": hmac_sm3.__name__}, sys.stdout)


main()
