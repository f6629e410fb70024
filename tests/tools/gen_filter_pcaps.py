#!/usr/bin/env python3
"""Writes the content-filter test captures under tests/data/filter/:

  filter_hits.pcap   one flow per scope the probe checks, each carrying something the rules in
                     tests/data/filter/rules.toml match:
                       1. HTTP GET http://casino.example/play (url rule), response body UTF-8
                          HTML with the keyword 赌博 split across two TCP segments (inside the
                          UTF-8 bytes of 博)
                       2. HTTP response, GBK, gzip-compressed, chunked, the compressed bytes
                          spread over three TCP segments, keyword 赌博 in the text
                       3. DNS query (UDP) for www.bad.example
                       4. TLS ClientHello with SNI login.evil.example
                       5. FTP RETR cracked-game.zip
                       6. SMTP message, Subject an encoded-word with 发票, body with 赌博
  filter_clean.pcap  the same kinds of traffic with nothing any rule matches

Python standard library only; deterministic (fixed times, ISNs and gzip mtime), so re-running
reproduces the committed files byte for byte:

    python3 tests/tools/gen_filter_pcaps.py tests/data/filter

tests/e2e/filter_replay_test.cc replays them with `netward replay --rules` and compares the
alert records with tests/data/filter/README.md's expectations.
"""

import base64
import gzip
import os
import struct
import sys

T0 = 1795341600  # 2026-11-22T10:00:00Z
CLIENT = "10.0.0.7"
CLIENT_MAC = bytes.fromhex("020000000007")
SERVER_MAC = bytes.fromhex("0200000000fe")


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                         ip4(src), ip4(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload):
    header = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(header) + len(payload))
    csum = checksum(pseudo + header + payload)
    return header[:16] + struct.pack("!H", csum) + header[18:] + payload


def udp_datagram(src, dst, sport, dport, payload):
    header = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, 8 + len(payload))
    csum = checksum(pseudo + header + payload) or 0xFFFF
    return header[:6] + struct.pack("!H", csum) + payload


class Capture:
    def __init__(self):
        self.frames = []
        self.t = T0 * 1000000
        self.ident = 1

    def add(self, src, dst, proto, l4):
        to_server = src == CLIENT
        eth = (SERVER_MAC if to_server else CLIENT_MAC) + (CLIENT_MAC if to_server else SERVER_MAC)
        frame = eth + b"\x08\x00" + ipv4(src, dst, proto, l4, self.ident)
        self.ident += 1
        self.t += 1000  # 1 ms apart
        self.frames.append((self.t, frame))

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, frame in self.frames:
                f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(frame), len(frame)))
                f.write(frame)


SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


class TcpFlow:
    """A TCP connection: handshake, then segments each way, then FIN both ways."""

    def __init__(self, cap, server, sport, dport, client_isn, server_isn):
        self.cap, self.server, self.sport, self.dport = cap, server, sport, dport
        self.cseq, self.sseq = client_isn, server_isn
        self._send(True, SYN, b"")
        self.cseq += 1
        self._send(False, SYN | ACK, b"")
        self.sseq += 1
        self._send(True, ACK, b"")

    def _send(self, to_server, flags, payload):
        if to_server:
            l4 = tcp_segment(CLIENT, self.server, self.sport, self.dport, self.cseq,
                             self.sseq if flags != SYN else 0, flags, payload)
            self.cap.add(CLIENT, self.server, 6, l4)
        else:
            l4 = tcp_segment(self.server, CLIENT, self.dport, self.sport, self.sseq, self.cseq,
                             flags, payload)
            self.cap.add(self.server, CLIENT, 6, l4)

    def client(self, payload):
        self._send(True, ACK | PSH, payload)
        self.cseq += len(payload)

    def server_says(self, payload):
        self._send(False, ACK | PSH, payload)
        self.sseq += len(payload)

    def close(self):
        self._send(True, ACK | FIN, b"")
        self.cseq += 1
        self._send(False, ACK | FIN, b"")
        self.sseq += 1
        self._send(True, ACK, b"")


def dns_query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", 1, 1)


def dns_answer(query, address):
    header = struct.pack("!HHHHHH", struct.unpack("!H", query[:2])[0], 0x8180, 1, 1, 0, 0)
    answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + ip4(address)
    return header + query[12:] + answer


def client_hello(sni):
    name = sni.encode()
    sni_ext = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    ext = struct.pack("!HH", 0, len(sni_ext)) + sni_ext
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + struct.pack("!H", 2) + b"\x13\x01" +
            b"\x01\x00" + struct.pack("!H", len(ext)) + ext)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def http_flow(cap, server, sport, host, uri, body_parts, content_type, extra_headers=b""):
    f = TcpFlow(cap, server, sport, 80, 1000 + sport, 5000 + sport)
    f.client(b"GET " + uri + b" HTTP/1.1\r\nHost: " + host + b"\r\nUser-Agent: curl/7.88\r\n\r\n")
    length = sum(len(p) for p in body_parts)
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\n" + extra_headers)
    if b"chunked" not in extra_headers:
        head += b"Content-Length: " + str(length).encode() + b"\r\n"
    head += b"\r\n"
    f.server_says(head + body_parts[0])
    for p in body_parts[1:]:
        f.server_says(p)
    f.close()


def chunked(data, size):
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def smtp_flow(cap, server, sport, subject_encoded, body_lines):
    f = TcpFlow(cap, server, sport, 25, 1000 + sport, 5000 + sport)
    f.server_says(b"220 mail.example.net ESMTP\r\n")
    for cmd, reply in [(b"EHLO client.example\r\n", b"250 mail.example.net\r\n"),
                       (b"MAIL FROM:<a@example.org>\r\n", b"250 2.1.0 Ok\r\n"),
                       (b"RCPT TO:<b@example.net>\r\n", b"250 2.1.5 Ok\r\n"),
                       (b"DATA\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n")]:
        f.client(cmd)
        f.server_says(reply)
    msg = (b"From: a@example.org\r\nTo: b@example.net\r\nSubject: " + subject_encoded + b"\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + b"".join(l + b"\r\n" for l in body_lines)
           + b".\r\n")
    f.client(msg)
    f.server_says(b"250 2.0.0 Ok: queued\r\n")
    f.client(b"QUIT\r\n")
    f.server_says(b"221 2.0.0 Bye\r\n")
    f.close()


def ftp_flow(cap, server, sport, filename):
    f = TcpFlow(cap, server, sport, 21, 1000 + sport, 5000 + sport)
    f.server_says(b"220 FTP server ready\r\n")
    for cmd, reply in [(b"USER anonymous\r\n", b"331 Password required\r\n"),
                       (b"PASS guest\r\n", b"230 Logged in\r\n"),
                       (b"RETR " + filename + b"\r\n", b"150 Opening data connection\r\n")]:
        f.client(cmd)
        f.server_says(reply)
    f.server_says(b"226 Transfer complete\r\n")
    f.client(b"QUIT\r\n")
    f.server_says(b"221 Goodbye\r\n")
    f.close()


def tls_flow(cap, server, sport, sni):
    f = TcpFlow(cap, server, sport, 443, 1000 + sport, 5000 + sport)
    f.client(client_hello(sni))
    f.close()


def dns_flow(cap, server, sport, name, address):
    q = dns_query(0x1234 + sport % 100, name)
    cap.add(CLIENT, server, 17, udp_datagram(CLIENT, server, sport, 53, q))
    cap.add(server, CLIENT, 17, udp_datagram(server, CLIENT, 53, sport, dns_answer(q, address)))


def page(text):
    filler = "<p>" + "这是一个普通的新闻段落，内容与测试无关。" * 20 + "</p>"
    return "<html><head><title>新闻</title></head><body>" + filler + "<p>" + text + "</p></body></html>"


def hits(path):
    cap = Capture()
    # 1. URL rule, and a UTF-8 body whose keyword is split inside the bytes of 博.
    body = page("欢迎来到赌博网站").encode("utf-8")
    cut = body.index("博".encode("utf-8")) + 1
    http_flow(cap, "192.0.2.80", 40001, b"casino.example", b"/play?id=7", [body[:cut], body[cut:]],
              b"text/html; charset=utf-8")
    # 2. GBK, gzip, chunked; the compressed bytes over three segments.
    gz = gzip.compress(page("最新赌博平台上线").encode("gbk"), mtime=0)
    chunks = chunked(gz, 97)
    third = len(chunks) // 3
    http_flow(cap, "192.0.2.81", 40002, b"www.example.cn", b"/news/1.html",
              [chunks[:third], chunks[third:2 * third], chunks[2 * third:]],
              b"text/html; charset=GBK", b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")
    # 3. DNS
    dns_flow(cap, "192.0.2.53", 33333, "www.bad.example", "198.51.100.9")
    # 4. TLS SNI
    tls_flow(cap, "192.0.2.43", 40004, "login.evil.example")
    # 5. FTP file name
    ftp_flow(cap, "192.0.2.21", 40005, b"/pub/cracked-game.zip")
    # 6. SMTP subject and body
    subject = b"=?UTF-8?B?" + base64.b64encode("代开发票，优惠".encode("utf-8")) + b"?="
    smtp_flow(cap, "192.0.2.25", 40006, subject, [b"Hello,", "线上赌博，注册即送".encode("utf-8"), b"Bye"])
    cap.write(path)


def clean(path):
    cap = Capture()
    http_flow(cap, "192.0.2.80", 41001, b"news.example", b"/today",
              [page("今天天气很好").encode("utf-8")], b"text/html; charset=utf-8")
    gz = gzip.compress(page("博物馆开放时间").encode("gbk"), mtime=0)
    http_flow(cap, "192.0.2.81", 41002, b"www.example.cn", b"/museum",
              [chunked(gz, 97)], b"text/html; charset=GBK",
              b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")
    dns_flow(cap, "192.0.2.53", 43333, "www.good.example", "198.51.100.10")
    tls_flow(cap, "192.0.2.43", 41004, "login.example.org")
    ftp_flow(cap, "192.0.2.21", 41005, b"/pub/readme.txt")
    subject = b"=?UTF-8?B?" + base64.b64encode("会议通知".encode("utf-8")) + b"?="
    smtp_flow(cap, "192.0.2.25", 41006, subject, [b"Hello,", "明天下午三点开会".encode("utf-8")])
    cap.write(path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/filter"
    os.makedirs(out, exist_ok=True)
    hits(os.path.join(out, "filter_hits.pcap"))
    clean(os.path.join(out, "filter_clean.pcap"))


if __name__ == "__main__":
    main()
