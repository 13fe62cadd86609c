"""An independent SM2 verifier (GB/T 32918.2, GM/T 0009 default ID) in plain Python.

Reads JSON from stdin: {"items": [{"public": hex 04||x||y, "message": hex, "der": hex}]}
and prints {"results": [true|false, ...]}. Only hashlib's SM3 (OpenSSL) is used; the curve
arithmetic is written out here, so it shares no code with the Rust `sm2` crate.
Exits 77 when this Python's hashlib has no SM3.
"""
import hashlib
import json
import sys

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
ID = b"1234567812345678"


def sm3(data):
    return hashlib.new("sm3", data).digest()


def add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    (x1, y1), (x2, y2) = p, q
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p == q:
        lam = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return (x3, (lam * (x1 - x3) - y1) % P)


def mul(k, p):
    r = None
    while k:
        if k & 1:
            r = add(r, p)
        p = add(p, p)
        k >>= 1
    return r


def b32(i):
    return i.to_bytes(32, "big")


def der_rs(der):
    # SEQUENCE { INTEGER r, INTEGER s } with short lengths (SM2 signatures are < 128 bytes).
    assert der[0] == 0x30 and der[1] == len(der) - 2
    i, out = 2, []
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        out.append(int.from_bytes(der[i + 2 : i + 2 + n], "big"))
        i += 2 + n
    assert i == len(der)
    return out


def verify(public, message, der):
    if len(public) != 65 or public[0] != 4:
        return False
    xa, ya = int.from_bytes(public[1:33], "big"), int.from_bytes(public[33:], "big")
    if (ya * ya - (xa ** 3 + A * xa + B)) % P != 0:
        return False
    try:
        r, s = der_rs(der)
    except (AssertionError, IndexError):
        return False
    if not (1 <= r < N and 1 <= s < N):
        return False
    z = sm3(len(ID * 8).to_bytes(2, "big") + ID + b32(A) + b32(B) + b32(GX) + b32(GY) + b32(xa) + b32(ya))
    e = int.from_bytes(sm3(z + message), "big")
    t = (r + s) % N
    if t == 0:
        return False
    pt = add(mul(s, (GX, GY)), mul(t, (xa, ya)))
    return pt is not None and (e + pt[0]) % N == r


def main():
    try:
        hashlib.new("sm3")
    except ValueError:
        print("this Python's hashlib has no SM3", file=sys.stderr)
        sys.exit(77)
    req = json.load(sys.stdin)
    res = [
        verify(bytes.fromhex(i["public"]), bytes.fromhex(i["message"]), bytes.fromhex(i["der"]))
        for i in req["items"]
    ]
    json.dump({"results": res}, sys.stdout)


main()
