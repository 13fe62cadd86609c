#!/usr/bin/env python3
"""An independent re-implementation of the random-inspection draw yiwang-draw-v1
(docs/inspection-draw.md), written from the document, not from the Rust code.

Usage: draw_oracle.py FILE.json  (a DrawInput, or a published draw with "input")
Prints the outcome as JSON: population_hash, inspectors_hash, seed, picks.
Needs Python 3 whose hashlib offers SM3 (OpenSSL 1.1.1+).
"""
import hashlib
import json
import sys


def sm3(data: bytes) -> bytes:
    h = hashlib.new("sm3")
    h.update(data)
    return h.digest()


class Stream:
    def __init__(self, seed_hex: str):
        self.seed = bytes.fromhex(seed_hex)
        self.block = 0
        self.buf = []

    def next_u64(self) -> int:
        if not self.buf:
            d = sm3(self.seed + self.block.to_bytes(8, "big"))
            self.buf = [int.from_bytes(d[i:i + 8], "big") for i in range(0, 32, 8)]
            self.block += 1
        return self.buf.pop(0)

    def uniform(self, n: int) -> int:
        limit = 2**64 - (2**64 % n)
        while True:
            r = self.next_u64()
            if r < limit:
                return r % n

    def choose(self, items, k):
        v = list(items)
        for i in range(k):
            j = i + self.uniform(len(v) - i)
            v[i], v[j] = v[j], v[i]
        return v[:k]


def quota_size(q, n: int) -> int:
    if q is None:
        return 0
    if "count" in q:
        k = q["count"]
    else:
        r = q["ratio_permille"]
        k = -(-r * n // 1000)  # ceiling
    return min(k, n)


def run(inp):
    assert inp["algorithm"] == "yiwang-draw-v1"
    pop = inp["population"]
    insp = inp["inspectors"]
    pop_hash = sm3("\n".join(f'{e["uscc"]}|{e["name"]}|{e["stratum"]}' for e in pop).encode()).hex()
    insp_hash = sm3("\n".join(f'{i["id"]}|{i["name"]}|{i["cert_no"]}' for i in insp).encode()).hex()
    seed = sm3(
        "\n".join(
            ["yiwang-draw-v1", inp["plan_no"], inp["drawn_at"], pop_hash, insp_hash, inp["public_entropy"]]
        ).encode()
    ).hex()
    s = Stream(seed)
    strata = {}
    for e in pop:
        strata.setdefault(e["stratum"], []).append(e)
    drawn = []
    # Ascending code order: Rust compares strings byte-wise (UTF-8), so compare bytes here too.
    for code in sorted(strata, key=lambda c: c.encode()):
        lst = strata[code]
        drawn += s.choose(lst, quota_size(inp["quotas"].get(code), len(lst)))
    conflicts = {(c["staff_id"], c["uscc"]) for c in inp["conflicts"]}
    team = inp["team_size"]
    picks = []
    for e in drawn:
        cands = [i["id"] for i in insp if (i["id"], e["uscc"]) not in conflicts]
        if len(cands) < team:
            raise SystemExit(f'draw fails: {e["uscc"]} has only {len(cands)} inspectors')
        picks.append(
            {"uscc": e["uscc"], "name": e["name"], "stratum": e["stratum"], "inspectors": s.choose(cands, team)}
        )
    return {"population_hash": pop_hash, "inspectors_hash": insp_hash, "seed": seed, "picks": picks}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    inp = data["input"] if "input" in data else data
    print(json.dumps(run(inp), ensure_ascii=False))


if __name__ == "__main__":
    main()
