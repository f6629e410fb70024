#!/usr/bin/env python3
"""Writes the rule bundle of the probe's filtering benchmark (bench/README.md, "Filter"):
20 000 keyword rules and 2 000 regex rules, the shape bench/filter_bench.cc uses (half Chinese
keywords of 3 to 6 characters from 3000 common ones, half English of one to three words; regexes
of three kinds), deterministic (fixed seed, Python's own Mersenne Twister).

Keywords apply where a wire rule set applies them: url, http_body, mail_subject, mail_body;
regexes to http_body. Unsigned: bench/run.sh signs it with a throw-away key.

    python3 bench/gen_filter_bundle.py OUT.toml [--keywords 20000] [--regexes 2000]
"""

import argparse
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--keywords", type=int, default=20000)
    ap.add_argument("--regexes", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    chars = [chr(0x4E00 + 3 * i) for i in range(3000)]

    def word(lo, hi):
        return "".join(chr(ord("a") + rng.randrange(26)) for _ in range(rng.randint(lo, hi)))

    def zh(lo, hi):
        return "".join(rng.choice(chars) for _ in range(rng.randint(lo, hi)))

    out = ['version = "bench-%dk-%dk"' % (a.keywords // 1000, a.regexes // 1000)]
    for i in range(a.keywords):
        if i % 2:
            kw = zh(3, 6)
        else:
            n = rng.randint(1, 3)
            kw = " ".join(word(6, 12) if n == 1 else word(3, 9) for _ in range(n))
        action = "block" if i % 3 == 0 else "alert"
        out.append('[[rule]]\nid = "k%d"\ncategory = "bench"\naction = "%s"\n'
                   'scopes = ["url", "http_body", "mail_subject", "mail_body"]\nkeyword = "%s"'
                   % (i, action, kw))
    for i in range(a.regexes):
        kind = i % 3
        if kind == 0:
            re = word(4, 8) + "[0-9]{4,8}"
        elif kind == 1:
            re = zh(2, 2) + ".{0,6}" + zh(2, 2)
        else:
            re = "(" + word(4, 6) + "|" + word(4, 6) + ")\\d{3}" + word(3, 5)
        out.append('[[rule]]\nid = "r%d"\ncategory = "bench"\naction = "review"\n'
                   "scopes = [\"http_body\"]\nregex = '%s'" % (i, re))
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
