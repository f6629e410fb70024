#!/usr/bin/env python3
"""Writes tests/data/ipfix_nat/ipfix_nat.pcap: IPFIX (RFC 7011) and NetFlow v9 (RFC 3954)
datagrams carrying RFC 8158 NAT events, as a CGNAT box would export them.

Python standard library only; the output is deterministic (fixed times, no randomness), so
re-running it reproduces the committed file byte for byte:

    python3 tests/tools/gen_ipfix_nat_pcap.py tests/data/ipfix_nat/ipfix_nat.pcap

The expected nat records are listed in tests/data/ipfix_nat/README.md and checked by
tests/unit/identity/ipfix_collector_test.cc, which replays the UDP payloads to the collector
over 127.0.0.1.
"""

import struct
import sys

T0 = 1795341600  # 2026-11-22T10:00:00Z
IPFIX_EXPORTER = "192.0.2.1"
NF9_EXPORTER = "192.0.2.2"


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def ip6(text):
    import ipaddress  # stdlib

    return ipaddress.IPv6Address(text).packed


def ipfix_message(seq, export_time, domain, sets):
    body = b"".join(sets)
    return struct.pack("!HHIII", 10, 16 + len(body), export_time, seq, domain) + body


def nf9_message(seq, uptime_ms, unix_secs, source_id, flowsets, count):
    body = b"".join(flowsets)
    return struct.pack("!HHIIII", 9, count, uptime_ms, unix_secs, seq, source_id) + body


def set_(set_id, payload, align=False):
    if align:  # NetFlow v9 pads flowsets to 4 bytes
        payload += b"\0" * (-(len(payload) + 4) % 4)
    return struct.pack("!HH", set_id, 4 + len(payload)) + payload


def template(tid, fields):
    out = struct.pack("!HH", tid, len(fields))
    for f in fields:
        if len(f) == 3:  # enterprise-specific
            out += struct.pack("!HHI", f[0] | 0x8000, f[1], f[2])
        else:
            out += struct.pack("!HH", f[0], f[1])
    return out


# Template 256: NAT44 session events.
T_SESSION = [(230, 1), (323, 8), (4, 1), (8, 4), (7, 2), (225, 4), (227, 2), (12, 4), (11, 2),
             (100, 4, 29305)]  # plus an enterprise-specific field the collector must skip
# Template 257: port block allocation, with a variable-length field (IE 96 applicationName).
T_BLOCK = [(230, 1), (323, 8), (8, 4), (225, 4), (361, 2), (362, 2), (96, 65535)]
# Template 258: NAT64 session events.
T_NAT64 = [(230, 1), (323, 8), (4, 1), (27, 16), (7, 2), (225, 4), (227, 2), (226, 4), (228, 2)]


def session(event, ms, proto, src, sport, post, pport, dst, dport):
    return (struct.pack("!BQB", event, ms, proto) + ip4(src) + struct.pack("!H", sport) +
            ip4(post) + struct.pack("!H", pport) + ip4(dst) + struct.pack("!H", dport) +
            b"\xde\xad\xbe\xef")


def block(event, ms, src, post, first, last, name):
    return (struct.pack("!BQ", event, ms) + ip4(src) + ip4(post) + struct.pack("!HH", first, last) +
            bytes([len(name)]) + name)


def nat64(event, ms, proto, src6, sport, post, pport, rdst, rport):
    return (struct.pack("!BQB", event, ms, proto) + ip6(src6) + struct.pack("!H", sport) +
            ip4(post) + struct.pack("!H", pport) + ip4(rdst) + struct.pack("!H", rport))


def ipfix_messages():
    ms = T0 * 1000
    m = []
    # 1: templates (and an options template whose data must be skipped).
    options = struct.pack("!HHH", 300, 2, 1) + struct.pack("!HHHH", 149, 4, 41, 8)
    m.append(ipfix_message(1, T0, 1, [
        set_(2, template(256, T_SESSION) + template(257, T_BLOCK) + template(258, T_NAT64)),
        set_(3, options),
    ]))
    # 2: a session create, a port block allocation, options data.
    m.append(ipfix_message(2, T0 + 1, 1, [
        set_(256, session(4, ms + 1000, 6, "10.0.0.5", 40000, "203.0.113.7", 1024, "198.51.100.10",
                          443)),
        set_(257, block(16, ms + 1500, "100.64.0.9", "203.0.113.8", 2048, 2303, b"cgn")),
        set_(300, struct.pack("!IQ", 1, 42)),
    ]))
    # 3: the session's delete 30 s later, the block freed, a NAT64 create, an exhaustion event.
    m.append(ipfix_message(3, T0 + 31, 1, [
        set_(256, session(5, ms + 31000, 6, "10.0.0.5", 40000, "203.0.113.7", 1024,
                          "198.51.100.10", 443) +
             session(3, ms + 31000, 0, "0.0.0.0", 0, "203.0.113.7", 0, "0.0.0.0", 0)),
        set_(257, block(17, ms + 3601500, "100.64.0.9", "203.0.113.8", 2048, 2303, b"")),
        set_(258, nat64(6, ms + 32000, 17, "2001:db8::5", 5353, "203.0.113.9", 3000, "192.0.2.53",
                        53)),
    ]))
    # 4: template 257 withdrawn, then data for it: counted as a missing template, no record.
    m.append(ipfix_message(4, T0 + 40, 1, [
        set_(2, struct.pack("!HH", 257, 0)),
        set_(257, block(16, ms + 40000, "100.64.0.10", "203.0.113.8", 2304, 2559, b"")),
    ]))
    return m


def nf9_messages():
    uptime = 3600000  # exporter booted an hour before T0
    ms = T0 * 1000
    fields = [(230, 1), (323, 8), (4, 1), (8, 4), (7, 2), (225, 4), (227, 2), (12, 4), (11, 2),
              (22, 4), (21, 4)]
    tmpl = struct.pack("!HH", 260, len(fields)) + b"".join(struct.pack("!HH", *f) for f in fields)
    options = struct.pack("!HHH", 261, 4, 4) + struct.pack("!HHHH", 1, 4, 34, 4)

    def rec(event, at_ms, src, sport, post, pport, dst, dport, first_ms, last_ms):
        return (struct.pack("!BQB", event, at_ms, 17) + ip4(src) + struct.pack("!H", sport) +
                ip4(post) + struct.pack("!H", pport) + ip4(dst) + struct.pack("!H", dport) +
                struct.pack("!II", first_ms - (ms - uptime), last_ms - (ms - uptime)))

    m = []
    # 1: data before its template (missing), then the templates.
    m.append(nf9_message(1, uptime, T0, 7, [
        set_(260, rec(4, ms, "10.0.0.6", 40001, "203.0.113.7", 1025, "198.51.100.11", 53, ms, ms),
             align=True),
        set_(0, tmpl, align=True),
        set_(1, options, align=True),
    ], 3))
    # 2: create and delete of one UDP mapping (delete carries FIRST/LAST_SWITCHED).
    m.append(nf9_message(2, uptime + 5000, T0 + 5, 7, [
        set_(260, rec(4, ms + 2000, "10.0.0.6", 40001, "203.0.113.7", 1025, "198.51.100.11", 53,
                      ms + 2000, ms + 2000) +
             rec(5, ms + 5000, "10.0.0.6", 40001, "203.0.113.7", 1025, "198.51.100.11", 53,
                 ms + 2000, ms + 4500), align=True),
    ], 2))
    return m


def udp_frame(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, ip4(src),
                      ip4(dst))
    csum = 0
    for i in range(0, 20, 2):
        csum += hdr[i] << 8 | hdr[i + 1]
    while csum >> 16:
        csum = (csum & 0xFFFF) + (csum >> 16)
    hdr = hdr[:10] + struct.pack("!H", ~csum & 0xFFFF) + hdr[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + hdr + udp


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "ipfix_nat.pcap"
    packets = []
    t = T0
    for msg in ipfix_messages():
        packets.append((t, udp_frame(IPFIX_EXPORTER, "127.0.0.1", 50000, 4739, msg)))
        t += 1
    for msg in nf9_messages():
        packets.append((t, udp_frame(NF9_EXPORTER, "127.0.0.1", 50001, 2055, msg)))
        t += 1
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, frame in packets:
            f.write(struct.pack("<IIII", ts, 0, len(frame), len(frame)) + frame)


if __name__ == "__main__":
    main()
