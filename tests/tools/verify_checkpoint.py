#!/usr/bin/env python3
"""Independent verifier for netward's signed store checkpoints (docs/tamper-evidence.md).

    verify_checkpoint.py LEAVES_FILE CHECKPOINT_FILE PUBKEY_FILE

LEAVES_FILE   one leaf per line, in tree order: each record's canonical JSON line; the leaf is
              the line's bytes without its '\\n'. An optional first line
              `#frontier <size> <hex>,<hex>,...` gives the Merkle frontier (the roots of the
              perfect subtrees, left to right) of the leaves [0, size) dropped by retention;
              the file's leaves are then [size, ...).
CHECKPOINT_FILE a C2SP signed note holding a C2SP tlog-checkpoint (origin, tree size, root).
PUBKEY_FILE   the signer's public key line, `<name>+<key id hex>+<base64(0x01 || key)>`.

Checks that the checkpoint carries a valid Ed25519 signature by that key and that the root
recomputed from the leaves (RFC 6962, SHA-256) at the checkpoint's tree size equals its root.
Leaves beyond the tree size are ignored. Prints "OK <origin> <size> <root base64>" and exits 0,
or prints "FAIL: <what differs>" and exits 1 (2 for bad usage).

Written from the specifications only (RFC 6962, RFC 8032 section 6, c2sp.org/signed-note,
c2sp.org/tlog-checkpoint), with the Python standard library, so that it shares no code with
netward. Ed25519 here is the RFC's reference code: correct, not constant-time, verify only.
"""

import base64
import binascii
import hashlib
import sys

# ---- Ed25519 verification (RFC 8032 section 6) ----

P = 2**255 - 19
Q = 2**252 + 27742317777372353535851937790883648493


def _inv(x):
    return pow(x, P - 2, P)


D = -121665 * _inv(121666) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(p1, p2):
    a = (p1[1] - p1[0]) * (p2[1] - p2[0]) % P
    b = (p1[1] + p1[0]) * (p2[1] + p2[0]) % P
    c = 2 * p1[3] * p2[3] * D % P
    d = 2 * p1[2] * p2[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f, g * h, f * g, e * h)


def _mul(s, pt):
    acc = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            acc = _add(acc, pt)
        pt = _add(pt, pt)
        s >>= 1
    return acc


def _equal(p1, p2):
    return (p1[0] * p2[2] - p2[0] * p1[2]) % P == 0 and (p1[1] * p2[2] - p2[1] * p1[2]) % P == 0


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * _inv(D * y * y + 1) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


_GY = 4 * _inv(5) % P
_GX = _recover_x(_GY, 0)
G = (_GX, _GY, 1, _GX * _GY % P)


def _decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def ed25519_verify(public, msg, signature):
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    if a is None:
        return False
    r = _decompress(signature[:32])
    if r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + msg).digest(), "little") % Q
    return _equal(_mul(s, G), _add(r, _mul(h, a)))


# ---- RFC 6962 Merkle tree ----


def leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """The roots of the perfect subtrees of the leaves [0, size), left to right."""

    def __init__(self, size=0, nodes=None):
        self.size = size
        self.nodes = list(nodes or [])

    def append(self, h):
        s = self.size
        while s & 1:
            h = node_hash(self.nodes.pop(), h)
            s >>= 1
        self.nodes.append(h)
        self.size += 1

    def root(self):
        if not self.nodes:
            return hashlib.sha256(b"").digest()
        r = self.nodes[-1]
        for n in reversed(self.nodes[:-1]):
            r = node_hash(n, r)
        return r


# ---- Formats ----


class Failure(Exception):
    pass


def b64decode(text, what):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Failure(f"{what} is not base64: {text!r}")


def valid_name(name):
    # c2sp.org/signed-note: non-empty, no Unicode spaces, no '+'.
    return name != "" and "+" not in name and not any(c.isspace() for c in name)


def parse_vkey(text):
    text = text.strip()
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise Failure("public key: expected <name>+<key id>+<base64 key>")
    name, id_hex, key64 = parts
    if not valid_name(name):
        raise Failure(f"public key: bad key name {name!r}")
    if len(id_hex) != 8 or any(c not in "0123456789abcdefABCDEF" for c in id_hex):
        raise Failure(f"public key: key id {id_hex!r} is not 8 hex digits")
    key = b64decode(key64, "public key")
    if len(key) != 33 or key[0] != 0x01:
        raise Failure("public key: not an Ed25519 key (0x01 || 32 bytes)")
    key_id = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    if key_id.hex() != id_hex.lower():
        raise Failure(f"public key: key id {id_hex} does not match the key ({key_id.hex()})")
    return name, key_id, key[1:]


def open_note(data, name, key_id, public):
    """Returns the note's text after checking a signature by (name, key_id)."""
    try:
        note = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Failure("checkpoint: not valid UTF-8")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise Failure("checkpoint: contains a control character")
    split = note.rfind("\n\n")
    if split < 0:
        raise Failure("checkpoint: no blank line before the signatures")
    text, sigs = note[: split + 1], note[split + 2 :]
    if not sigs.endswith("\n"):
        raise Failure("checkpoint: no signature lines, or no final newline")
    signers = []
    for i, line in enumerate(sigs[:-1].split("\n"), 1):
        if not line.startswith("\u2014 "):
            raise Failure(f"checkpoint: signature line {i} does not start with an em dash")
        sig_name, _, sig64 = line[2:].partition(" ")
        blob = b64decode(sig64, f"checkpoint: signature line {i}")
        if not valid_name(sig_name) or len(blob) < 5:
            raise Failure(f"checkpoint: signature line {i} is malformed")
        signers.append(f"{sig_name}+{blob[:4].hex()}")
        if sig_name == name and blob[:4] == key_id:
            if not ed25519_verify(public, text.encode("utf-8"), blob[4:]):
                raise Failure(f"signature by {name}+{key_id.hex()} does not verify: "
                              "the checkpoint text or its signature was changed, or another "
                              "key made it")
            return text
    raise Failure(f"checkpoint has no signature by {name}+{key_id.hex()} "
                  f"(signed by: {', '.join(signers)})")


def parse_body(text):
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise Failure("checkpoint: fewer than 3 lines (origin, tree size, root hash)")
    origin, size_text, root64 = lines[:3]
    if not origin:
        raise Failure("checkpoint: line 1: origin is empty")
    if not size_text.isascii() or not size_text.isdigit() or (
            len(size_text) > 1 and size_text[0] == "0"):
        raise Failure(f"checkpoint: line 2: tree size {size_text!r} is not a number")
    root = b64decode(root64, "checkpoint: line 3: root hash")
    if len(root) != 32:
        raise Failure("checkpoint: line 3: root hash is not 32 bytes")
    return origin, int(size_text), root


def read_leaves(data):
    """Returns (frontier, leaves) from a LEAVES_FILE's bytes."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the final newline ends the last leaf
    frontier = Frontier()
    if lines and lines[0].startswith(b"#frontier"):
        fields = lines.pop(0).decode("ascii", "replace").split(" ")
        if len(fields) not in (2, 3) or not fields[1].isdigit():
            raise Failure("leaves: bad #frontier line (expected `#frontier <size> <hex>,...`)")
        size = int(fields[1])
        hexes = fields[2].split(",") if len(fields) == 3 and fields[2] else []
        try:
            nodes = [bytes.fromhex(h) for h in hexes]
        except ValueError:
            raise Failure("leaves: #frontier node is not hex")
        if any(len(n) != 32 for n in nodes) or len(nodes) != bin(size).count("1"):
            raise Failure(f"leaves: #frontier of {size} leaves needs {bin(size).count('1')} "
                          f"32-byte nodes, has {len(nodes)}")
        frontier = Frontier(size, nodes)
    return frontier, lines


def verify(leaves_path, checkpoint_path, pubkey_path):
    try:
        with open(pubkey_path, "r", encoding="utf-8") as f:
            name, key_id, public = parse_vkey(f.read())
        with open(checkpoint_path, "rb") as f:
            note = f.read()
        with open(leaves_path, "rb") as f:
            leaves_data = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise Failure(str(e))
    origin, size, root = parse_body(open_note(note, name, key_id, public))
    frontier, leaves = read_leaves(leaves_data)
    if frontier.size > size:
        raise Failure(f"the checkpoint covers {size} leaves but the first {frontier.size} were "
                      "dropped by retention: verify it against an older leaves file")
    needed = size - frontier.size
    if len(leaves) < needed:
        raise Failure(f"the checkpoint covers {size} leaves; the leaves file has "
                      f"{frontier.size + len(leaves)} ({frontier.size} dropped + {len(leaves)} "
                      f"lines): {needed - len(leaves)} missing")
    for leaf in leaves[:needed]:
        frontier.append(leaf_hash(leaf))
    got = frontier.root()
    if got != root:
        raise Failure(f"root mismatch at tree size {size}: the checkpoint says "
                      f"{base64.b64encode(root).decode()}, the leaves give "
                      f"{base64.b64encode(got).decode()}: a leaf was changed, removed, added "
                      "or reordered")
    return origin, size, root


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    try:
        origin, size, root = verify(argv[1], argv[2], argv[3])
    except Failure as e:
        print(f"FAIL: {e}")
        return 1
    print(f"OK {origin} {size} {base64.b64encode(root).decode()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
