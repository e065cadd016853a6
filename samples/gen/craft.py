#!/usr/bin/python3
"""Write the crafted and malformed sample captures into samples/ (and samples/bad-files/).

Deterministic: fixed timestamps, addresses (192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32),
ports and sequence numbers; every file is written byte by byte with struct, so two runs give
byte-identical output. Packets are assembled by hand (the malformed ones need exactly the
wrong bytes); scapy is used at the end only to check that every well-formed sample dissects
as intended.

Usage: /usr/bin/python3 craft.py [OUTDIR]   (default: the samples/ folder next to this script)
"""
import os
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, ".."))
BAD = os.path.join(OUT, "bad-files")

T0 = 1700000000  # 2023-11-14 22:13:20 UTC; every file starts here

# link types
LT_NULL, LT_EN10MB, LT_RAW, LT_LOOP, LT_USER0, LT_IPV4, LT_IPV6 = 0, 1, 101, 108, 147, 228, 229

MAC_C = bytes.fromhex("020000000001")
MAC_S = bytes.fromhex("020000000002")

C4, S4 = "192.0.2.1", "198.51.100.2"
C6, S6 = "2001:db8::1", "2001:db8:1::2"

ACK, PSH, FIN, SYN, RST = 0x10, 0x08, 0x01, 0x02, 0x04

# Linux-style SYN options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7 (20 bytes)
def syn_opts(tsval, tsecr=0, mss=1460, ws=7):
    return (struct.pack("!BBH", 2, 4, mss) + b"\x04\x02" + struct.pack("!BBII", 8, 10, tsval, tsecr)
            + b"\x01" + struct.pack("!BBB", 3, 3, ws))


def ts_opts(tsval, tsecr):
    return b"\x01\x01" + struct.pack("!BBII", 8, 10, tsval, tsecr)


# ------------------------------------------------------------------ pcap writer
class Pcap:
    def __init__(self, path, linktype, snaplen=65535):
        self.path = path
        self.linktype = linktype
        self.snaplen = snaplen
        self.recs = []

    def add(self, data, ts=None, orig_len=None, caplen=None):
        """One record; ts defaults to T0 + 1 ms per record. caplen/orig_len override the
        header fields (the data written is `data` as given)."""
        if ts is None:
            ts = (T0, 1000 * len(self.recs))
        sec, usec = ts
        cl = len(data) if caplen is None else caplen
        ol = len(data) if orig_len is None else orig_len
        self.recs.append(struct.pack("<IIII", sec, usec, cl, ol) + data)

    def header(self):
        return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, self.snaplen, self.linktype)

    def bytes(self):
        return self.header() + b"".join(self.recs)

    def write(self, data=None):
        with open(self.path, "wb") as f:
            f.write(self.bytes() if data is None else data)


# ------------------------------------------------------------------ packet builders
def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def a4(x):
    return socket.inet_pton(socket.AF_INET, x)


def a6(x):
    return socket.inet_pton(socket.AF_INET6, x)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", opts=b"", win=502, doff=None,
        urp=0):
    """TCP header + payload with a correct checksum over the pseudo-header of src/dst
    (4- or 16-byte addresses). `doff` overrides the data-offset field only."""
    assert len(opts) % 4 == 0, opts
    hl = 20 + len(opts)
    off = (hl // 4) if doff is None else doff
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      off << 4, flags, win, 0, urp) + opts
    seg = hdr + payload
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(seg))
    else:
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), 6)
    c = csum(pseudo + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload):
    ln = 8 + len(payload)
    seg = struct.pack("!HHHH", sport, dport, ln, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 17, ln)
    c = csum(pseudo + seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def ip4(src, dst, proto, payload, ident=1, ttl=64, df=True, mf=False, frag=0, options=b"",
        tot_len=None, ihl=None, version=4):
    """IPv4 header + payload; `frag` is the fragment offset in 8-byte units. tot_len, ihl and
    version override the fields (the checksum is still correct for the bytes written)."""
    assert len(options) % 4 == 0
    hl = 20 + len(options)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | frag
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ((hl // 4) if ihl is None else ihl), 0,
                    (hl + len(payload)) if tot_len is None else tot_len, ident, flags, ttl,
                    proto, 0, a4(src), a4(dst)) + options
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ip6(src, dst, nh, payload, hlim=64, plen=None, flow=0):
    return struct.pack("!IHBB16s16s", (6 << 28) | flow, len(payload) if plen is None else plen,
                       nh, hlim, a6(src), a6(dst)) + payload


def eth(payload, etype=0x0800, src=MAC_C, dst=MAC_S):
    return dst + src + struct.pack("!H", etype) + payload


def eth_ip(pkt, c2s=True, tags=b""):
    """Ethernet frame for an IPv4/IPv6 packet; `tags` is inserted VLAN/MPLS material whose
    last two bytes already name the next type (see vlan/mpls helpers)."""
    etype = 0x86DD if pkt[0] >> 4 == 6 else 0x0800
    src, dst = (MAC_C, MAC_S) if c2s else (MAC_S, MAC_C)
    if tags:
        return dst + src + tags + pkt
    return eth(pkt, etype, src, dst)


# ------------------------------------------------------------------ conversations
class Conv:
    """A TCP conversation between a client and a server, as (c2s, tcp-args) steps; the
    sequence and acknowledgment numbers are tracked so every sample is a consistent exchange."""

    def __init__(self, csrc, cdst, cport, sport, isn_c, isn_s, ts0=1000):
        self.c, self.s = csrc, cdst
        self.cport, self.sport = cport, sport
        self.cn, self.sn = isn_c, isn_s     # next sequence numbers
        self.steps = []                     # (c2s, seq, ack, flags, payload, opts)
        self.tsc, self.tss = ts0, ts0 * 7   # timestamp clocks (next TSval of each side)
        self.last_c = self.last_s = 0       # last TSval each side sent (what the other echoes)

    def tsvals(self, c2s):
        """(TSval, TSecr) for the next segment in that direction."""
        return (self.tsc, self.last_s) if c2s else (self.tss, self.last_c)

    def seg(self, c2s, flags, payload=b"", opts=None, seq=None, advance=True, ack=None):
        if c2s:
            s, a = self.cn, self.sn
        else:
            s, a = self.sn, self.cn
        if seq is not None:
            s = seq
        if ack is not None:
            a = ack
        if opts is None:
            opts = ts_opts(*self.tsvals(c2s))
        if c2s:
            self.last_c, self.tsc = self.tsc, self.tsc + 1
        else:
            self.last_s, self.tss = self.tss, self.tss + 1
        ln = len(payload) + (1 if flags & (SYN | FIN) else 0)
        if advance and seq is None:
            if c2s:
                self.cn = (self.cn + ln) & 0xFFFFFFFF
            else:
                self.sn = (self.sn + ln) & 0xFFFFFFFF
        self.steps.append((c2s, s, a if flags & ACK else 0, flags, payload, opts))
        return self

    def handshake(self, copts=None, sopts=None):
        self.seg(True, SYN, opts=copts if copts is not None else syn_opts(*self.tsvals(True)))
        self.seg(False, SYN | ACK,
                 opts=sopts if sopts is not None else syn_opts(*self.tsvals(False)))
        return self.seg(True, ACK)

    def request_response(self, req=b"GET / HTTP/1.0\r\n\r\n", resp=b"HTTP/1.0 200 OK\r\n\r\nhi\n"):
        self.seg(True, PSH | ACK, req)
        return self.seg(False, PSH | ACK, resp)

    def client_close(self):
        self.seg(True, FIN | ACK)
        self.seg(False, FIN | ACK)
        return self.seg(True, ACK)

    def full(self):
        return self.handshake().request_response().client_close()

    def segments(self, v6=False):
        """[(c2s, l4 bytes)] with checksums for this conversation's addresses."""
        out = []
        conv_a = a6 if v6 else a4
        for c2s, s, a, fl, pl, op in self.steps:
            src, dst = (self.c, self.s) if c2s else (self.s, self.c)
            sp, dp = (self.cport, self.sport) if c2s else (self.sport, self.cport)
            win = 64240 if fl & SYN else 502  # SYNs are never scaled; 502 << 7 = 64256
            out.append((c2s, tcp(conv_a(src), conv_a(dst), sp, dp, s, a, fl, pl, op, win=win)))
        return out

    def ip_packets(self, v6=False, ident0=0x1000):
        pk = []
        for i, (c2s, seg) in enumerate(self.segments(v6)):
            src, dst = (self.c, self.s) if c2s else (self.s, self.c)
            if v6:
                pk.append((c2s, ip6(src, dst, 6, seg)))
            else:
                pk.append((c2s, ip4(src, dst, 6, seg, ident=ident0 + i)))
        return pk


def simple_conv(cport=40000, sport=80, v6=False, isn_c=0x11110000, isn_s=0x22220000):
    c, s = (C6, S6) if v6 else (C4, S4)
    return Conv(c, s, cport, sport, isn_c, isn_s).full()


def interleave(*lists):
    out = []
    for i in range(max(len(x) for x in lists)):
        for x in lists:
            if i < len(x):
                out.append(x[i])
    return out


written = []


def save(p, note=""):
    p.write()
    written.append((p.path, note))


# ------------------------------------------------------------------ samples
def vlan_qinq():
    p = Pcap(os.path.join(OUT, "vlan-qinq.pcap"), LT_EN10MB)
    # 1) one connection inside 802.1ad (S-tag 100) + 802.1Q (C-tag 200)
    qinq = struct.pack("!HHHH", 0x88A8, 100, 0x8100, 200) + struct.pack("!H", 0x0800)
    for c2s, pkt in simple_conv(40000, 80).ip_packets():
        p.add(eth_ip(pkt, c2s, qinq))
    # 2) the same 4-tuple on VLAN 10 and on VLAN 20, interleaved: two different connections
    a = [(c2s, pkt, 10) for c2s, pkt in simple_conv(40001, 80, isn_c=0x33330000,
                                                     isn_s=0x44440000).ip_packets()]
    b = [(c2s, pkt, 20) for c2s, pkt in simple_conv(40001, 80, isn_c=0x55550000,
                                                     isn_s=0x66660000).ip_packets(ident0=0x2000)]
    for c2s, pkt, vid in interleave(a, b):
        p.add(eth_ip(pkt, c2s, struct.pack("!HHH", 0x8100, vid, 0x0800)))
    save(p)


def mpls():
    p = Pcap(os.path.join(OUT, "mpls.pcap"), LT_EN10MB)
    for c2s, pkt in simple_conv(40000, 80).ip_packets():
        l1, l2 = (1000, 2000) if c2s else (3000, 4000)
        stack = struct.pack("!II", (l1 << 12) | (0 << 9) | (0 << 8) | 64,
                            (l2 << 12) | (0 << 9) | (1 << 8) | 64)  # outer, then bottom of stack
        p.add(eth_ip(pkt, c2s, struct.pack("!H", 0x8847) + stack))
    save(p)


def null_loop():
    # DLT_NULL: 4-byte address family in the *writer's* byte order (here little-endian);
    # AF_INET = 2, AF_INET6 = 30 (Darwin; 24 and 28 are the other BSD values)
    p = Pcap(os.path.join(OUT, "null-loop.pcap"), LT_NULL)
    for c2s, pkt in simple_conv(40000, 80).ip_packets():
        p.add(struct.pack("<I", 2) + pkt)
    for c2s, pkt in simple_conv(40001, 80, v6=True).ip_packets(v6=True):
        p.add(struct.pack("<I", 30) + pkt)
    save(p)
    # DLT_LOOP: the same 4-byte family, always big-endian (OpenBSD: AF_INET6 = 24)
    p = Pcap(os.path.join(OUT, "loop.pcap"), LT_LOOP)
    for c2s, pkt in simple_conv(40000, 80).ip_packets():
        p.add(struct.pack(">I", 2) + pkt)
    for c2s, pkt in simple_conv(40001, 80, v6=True).ip_packets(v6=True):
        p.add(struct.pack(">I", 24) + pkt)
    save(p)


def raw_linktypes():
    v4 = simple_conv(40000, 80).ip_packets()
    v6 = simple_conv(40001, 80, v6=True).ip_packets(v6=True)
    p = Pcap(os.path.join(OUT, "raw-ip.pcap"), LT_RAW)  # IPv4 and IPv6 mixed, version nibble decides
    for _, pkt in interleave(v4, v6):
        p.add(pkt)
    save(p)
    p = Pcap(os.path.join(OUT, "ipv4-linktype.pcap"), LT_IPV4)
    for _, pkt in v4:
        p.add(pkt)
    save(p)
    p = Pcap(os.path.join(OUT, "ipv6-linktype.pcap"), LT_IPV6)
    for _, pkt in v6:
        p.add(pkt)
    save(p)


def ip_options():
    p = Pcap(os.path.join(OUT, "ip-options.pcap"), LT_EN10MB)
    conv = simple_conv(40000, 80)
    for i, (c2s, seg) in enumerate(conv.segments()):
        src, dst = (C4, S4) if c2s else (S4, C4)
        if c2s:
            # NOP, record route with room for 2 addresses (1 filled in): IHL 8
            opts = b"\x01" + struct.pack("!BBB", 7, 11, 8) + a4("203.0.113.1") + bytes(4)
        else:
            # router alert (RFC 2113): IHL 6
            opts = b"\x94\x04\x00\x00"
        p.add(eth_ip(ip4(src, dst, 6, seg, ident=0x1000 + i, options=opts.ljust(
            (len(opts) + 3) // 4 * 4, b"\x00")), c2s))
    save(p)


def ipv6_exthdr():
    p = Pcap(os.path.join(OUT, "ipv6-exthdr.pcap"), LT_EN10MB)
    conv = simple_conv(40000, 80, v6=True)
    padn4 = b"\x01\x04\x00\x00\x00\x00"        # PadN, 4 bytes of padding: 6 option bytes
    for c2s, seg in conv.segments(v6=True):
        src, dst = (C6, S6) if c2s else (S6, C6)
        if c2s:
            # hop-by-hop -> destination options -> routing (type 4, segments left 0) -> TCP
            srh = struct.pack("!BBBBBBH", 6, 2, 4, 0, 0, 0, 0) + a6(S6)
            dopt = struct.pack("!BB", 43, 0) + padn4
            hbh = struct.pack("!BB", 60, 0) + padn4
            p.add(eth_ip(ip6(src, dst, 0, hbh + dopt + srh + seg), c2s))
        else:
            # replies carry only a destination options header
            p.add(eth_ip(ip6(src, dst, 60, struct.pack("!BB", 6, 0) + padn4 + seg), c2s))
    save(p)


def eth_padding():
    p = Pcap(os.path.join(OUT, "eth-padding.pcap"), LT_EN10MB)
    conv = Conv(C4, S4, 40000, 80, 0x11110000, 0x22220000)
    # MSS only on the SYNs and no options afterwards, so the frames are shorter than 60 bytes
    # and Ethernet pads them: the padding is not payload (IP total length says so)
    mss = struct.pack("!BBH", 2, 4, 1460)
    conv.seg(True, SYN, opts=mss)                    # 58 bytes + 2 padding
    conv.seg(False, SYN | ACK, opts=mss)
    conv.seg(True, ACK, opts=b"")                    # pure ACK: 54 bytes + 6 padding
    conv.seg(True, PSH | ACK, b"hi", opts=b"")       # 56 bytes + 4 padding
    conv.seg(False, ACK, opts=b"")
    conv.seg(False, PSH | ACK, b"x", opts=b"")       # 55 bytes + 5 padding
    conv.seg(True, ACK, opts=b"")
    conv.seg(True, FIN | ACK, opts=b"")
    conv.seg(False, FIN | ACK, opts=b"")
    conv.seg(True, ACK, opts=b"")
    for i, (c2s, pkt) in enumerate(conv.ip_packets()):
        f = eth_ip(pkt, c2s)
        if len(f) < 60:
            # alternate zero padding (what most NICs send) and junk padding (some send that)
            f += (b"\x00" if i % 2 else b"\xaa") * (60 - len(f))
        p.add(f)
    save(p)


def tcp_options():
    p = Pcap(os.path.join(OUT, "tcp-options.pcap"), LT_EN10MB)
    frames = []
    # 1) full Linux-style SYN options, then SACK blocks after two losses before the capture point
    c = Conv(C4, S4, 40000, 80, 0x11110000, 0x22220000).handshake()
    base = c.cn
    chunks = [bytes([0x41 + i]) * 100 for i in range(5)]
    seqs = [base + 100 * i for i in range(5)]

    def sack(*blocks):
        b = b"".join(struct.pack("!II", l & 0xFFFFFFFF, r & 0xFFFFFFFF) for l, r in blocks)
        return ts_opts(*c.tsvals(False)) + b"\x01\x01" + \
            struct.pack("!BB", 5, 2 + len(b)) + b

    c.seg(True, ACK, chunks[0], seq=seqs[0])
    c.seg(False, ACK, ack=seqs[1])
    # chunk 1 lost upstream of the capture
    c.seg(True, ACK, chunks[2], seq=seqs[2])
    c.seg(False, ACK, ack=seqs[1], opts=sack((seqs[2], seqs[3])))
    # chunk 3 lost too
    c.seg(True, PSH | ACK, chunks[4], seq=seqs[4])
    c.seg(False, ACK, ack=seqs[1], opts=sack((seqs[4], seqs[4] + 100), (seqs[2], seqs[3])))
    c.seg(True, ACK, chunks[1], seq=seqs[1])          # retransmission fills the first hole
    c.seg(False, ACK, ack=seqs[3], opts=sack((seqs[4], seqs[4] + 100)))
    c.seg(True, ACK, chunks[3], seq=seqs[3])          # and the second
    c.cn = seqs[4] + 100
    c.seg(False, ACK)
    c.client_close()
    frames += [(c2s, ip4(*(((C4, S4) if c2s else (S4, C4))), 6, seg, ident=0x1000 + i))
               for i, (c2s, seg) in enumerate(c.segments())]

    # 2) TCP Fast Open: SYN with a cookie (kind 34) and data; the server answers before the ACK
    c = Conv(C4, S4, 40001, 80, 0x33330000, 0x44440000)
    cookie = bytes.fromhex("0123456789abcdef")
    tfo = struct.pack("!BB", 34, 10) + cookie
    req = b"GET /tfo HTTP/1.0\r\n\r\n"
    # Linux layout: mss, sackOK, TS, nop, wscale, nop, nop, TFO cookie (32 bytes)
    c.seg(True, SYN, req, opts=syn_opts(*c.tsvals(True)) + b"\x01\x01" + tfo)
    c.seg(False, SYN | ACK, opts=syn_opts(*c.tsvals(False)))
    c.seg(False, PSH | ACK, b"HTTP/1.0 200 OK\r\n\r\ntfo\n")
    c.seg(True, ACK)
    c.client_close()
    frames += [(c2s, ip4(*(((C4, S4) if c2s else (S4, C4))), 6, seg, ident=0x2000 + i))
               for i, (c2s, seg) in enumerate(c.segments())]

    # 3) MPTCP (kind 30): MP_CAPABLE v1 on SYN (4 bytes), SYN/ACK (12), third ACK (20),
    #    then DSS with a 4-byte data ACK on data segments
    c = Conv(C4, S4, 40002, 80, 0x55550000, 0x66660000)
    key_c, key_s = bytes.fromhex("1111111111111111"), bytes.fromhex("2222222222222222")
    mpc = lambda extra: struct.pack("!BBBB", 30, 4 + len(extra), 0x01, 0x81) + extra  # noqa: E731
    c.seg(True, SYN, opts=syn_opts(*c.tsvals(True)) + mpc(b""))
    c.seg(False, SYN | ACK, opts=syn_opts(*c.tsvals(False)) + mpc(key_s))
    c.seg(True, ACK, opts=ts_opts(*c.tsvals(True)) + mpc(key_c + key_s))
    dss = lambda dack: struct.pack("!BBBBI", 30, 8, 0x20, 0x01, dack)  # noqa: E731
    c.seg(True, PSH | ACK, b"GET / HTTP/1.0\r\n\r\n", opts=ts_opts(*c.tsvals(True)) + dss(1))
    c.seg(False, PSH | ACK, b"HTTP/1.0 200 OK\r\n\r\n", opts=ts_opts(*c.tsvals(False)) + dss(19))
    c.client_close()
    frames += [(c2s, ip4(*(((C4, S4) if c2s else (S4, C4))), 6, seg, ident=0x3000 + i))
               for i, (c2s, seg) in enumerate(c.segments())]

    # 4) an unknown option kind 99 (length 4) on the SYN and on a data segment
    c = Conv(C4, S4, 40003, 80, 0x77770000, 0x88880000)
    unk = struct.pack("!BBH", 99, 4, 0xBEEF)
    c.seg(True, SYN, opts=syn_opts(*c.tsvals(True)) + unk)
    c.seg(False, SYN | ACK, opts=syn_opts(*c.tsvals(False)))
    c.seg(True, ACK)
    c.seg(True, PSH | ACK, b"GET / HTTP/1.0\r\n\r\n", opts=ts_opts(*c.tsvals(True)) + unk)
    c.seg(False, PSH | ACK, b"HTTP/1.0 200 OK\r\n\r\n")
    c.client_close()
    frames += [(c2s, ip4(*(((C4, S4) if c2s else (S4, C4))), 6, seg, ident=0x4000 + i))
               for i, (c2s, seg) in enumerate(c.segments())]

    for c2s, pkt in frames:
        p.add(eth_ip(pkt, c2s))
    save(p)


def frag_common(v6):
    """Handshake; a 100-byte segment in 3 fragments delivered 2,3,1; the server's ACK; a
    second segment whose middle fragment never arrives; the client's unfragmented
    retransmission of that segment; ACK; close."""
    c, s = (C6, S6) if v6 else (C4, S4)
    conv = Conv(c, s, 40000, 80, 0x11110000, 0x22220000).handshake()
    conv.seg(True, PSH | ACK, b"A" * 100)        # index 3: fragmented, complete
    conv.seg(False, ACK)
    seq2 = conv.cn
    conv.seg(True, PSH | ACK, b"B" * 100)        # index 5: fragmented, middle missing
    conv.seg(True, PSH | ACK, b"B" * 100, seq=seq2)  # index 6: retransmission, whole
    conv.seg(False, ACK)
    conv.client_close()
    segs = conv.segments(v6)
    out = []
    for i, (c2s, seg) in enumerate(segs):
        src, dst = (c, s) if c2s else (s, c)
        if i in (3, 5):
            ident = 0xF000 + i
            # 132 bytes of TCP (20 header + 12 timestamps + 100 data): fragments of 48, 48, 36
            pieces = [(0, seg[:48], True), (6, seg[48:96], True), (12, seg[96:], False)]
            frags = []
            for off, data, more in pieces:
                if v6:
                    fh = struct.pack("!BBHI", 6, 0, (off << 3) | (1 if more else 0), ident)
                    frags.append(ip6(src, dst, 44, fh + data))
                else:
                    frags.append(ip4(src, dst, 6, data, ident=ident, df=False, mf=more, frag=off))
            order = [frags[1], frags[2], frags[0]] if i == 3 else [frags[0], frags[2]]
            out += [(c2s, f) for f in order]
        else:
            out.append((c2s, ip6(src, dst, 6, seg) if v6 else ip4(src, dst, 6, seg,
                                                                      ident=0x1000 + i)))
    return out


def frags():
    p = Pcap(os.path.join(OUT, "frag-v4.pcap"), LT_EN10MB)
    for c2s, pkt in frag_common(False):
        p.add(eth_ip(pkt, c2s))
    save(p)
    p = Pcap(os.path.join(OUT, "frag-v6.pcap"), LT_EN10MB)
    for c2s, pkt in frag_common(True):
        p.add(eth_ip(pkt, c2s))
    save(p)


MALFORMED = []  # (source port, what is wrong) -- the README table is generated from this


def malformed():
    p = Pcap(os.path.join(OUT, "malformed.pcap"), LT_EN10MB)
    c, s = a4(C4), a4(S4)

    def add(port, what, frame, **kw):
        MALFORMED.append((port, what))
        p.add(frame, **kw)

    def v4(seg, **kw):
        return eth(ip4(C4, S4, 6, seg, ident=0x3000 + len(MALFORMED), **kw))

    syn_kw = dict(seq=0x11110000, ack=0, flags=SYN, win=64240)

    def syn(port, opts, doff=None):
        return tcp(c, s, port, 80, opts=opts, doff=doff, **syn_kw)

    add(1001, "TCP data offset 4 (< 5)", v4(syn(1001, b"", doff=4)))
    add(1002, "TCP data offset 15 (60 bytes) but only a 20-byte segment",
        v4(syn(1002, b"", doff=15)))
    add(1003, "TCP option (kind 99) with length 0", v4(syn(1003, b"\x63\x00\x01\x01")))
    add(1004, "TCP option length runs past the header (timestamps, len 10, 2 bytes left)",
        v4(syn(1004, b"\x01\x01\x08\x0a")))
    add(1005, "MSS option with length 3", v4(syn(1005, b"\x02\x03\x05\x01")))
    add(1006, "window scale option with shift 15 (max is 14)",
        v4(syn(1006, struct.pack("!BBH", 2, 4, 1460) + b"\x01\x03\x03\x0f")))
    seg = tcp(c, s, 1007, 80, **syn_kw)
    add(1007, "IPv4 IHL 4 (< 5)", v4(seg, ihl=4))
    seg = tcp(c, s, 1008, 80, **syn_kw)
    add(1008, "IPv4 total length 1000, frame has 40 bytes of IP (caplen == len)",
        v4(seg, tot_len=1000))
    seg = tcp(c, s, 1009, 80, **syn_kw)
    add(1009, "IPv4 version nibble 7 in an IPv4 ethertype frame", v4(seg, version=7))
    seg = tcp(a6(C6), a6(S6), 1010, 80, **syn_kw)
    add(1010, "IPv6 payload length 500, only 20 bytes follow",
        eth(ip6(C6, S6, 6, seg, plen=500), 0x86DD))
    seg = tcp(c, s, 1011, 80, 0x11110000, 0x22220001, ACK | PSH, b"truncated by snaplen")
    frame = v4(seg)
    add(1011, "truncated TCP header: caplen ends 10 bytes into the TCP header (len is whole)",
        frame[:14 + 20 + 10], orig_len=len(frame))
    add(1012, "not TCP: UDP (DNS query)",
        eth(ip4(C4, S4, 17, udp(c, s, 1012, 53, bytes.fromhex(
            "abcd01000001000000000000076578616d706c6503636f6d0000010001")), ident=0x3100)))
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x1013, 1) + b"ping"
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    add(1013, "not TCP: ICMP echo request (no port; id 0x1013)",
        eth(ip4(C4, S4, 1, icmp, ident=0x3101)))
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_C, a4(C4), bytes(6), a4(S4))
    add(1014, "not TCP: ARP request (no IP at all)",
        eth(arp + bytes(18), 0x0806, dst=b"\xff" * 6))
    save(p)


# ------------------------------------------------------------------ bad files
def bad_files():
    os.makedirs(BAD, exist_ok=True)

    def five():
        p = Pcap("", LT_EN10MB)
        for c2s, pkt in simple_conv(40000, 80).ip_packets()[:5]:
            p.add(eth_ip(pkt, c2s))
        return p

    def wr(name, data, note):
        path = os.path.join(BAD, name)
        with open(path, "wb") as f:
            f.write(data)
        written.append((path, note))

    wr("not-a-capture.pcap", b"This is not a packet capture, just text.\n", "text")
    wr("empty.pcap", b"", "0 bytes")
    wr("header-only.pcap", Pcap("", LT_EN10MB).header(), "24-byte header")
    p = five()
    hdr_len = 24 + sum(len(r) for r in p.recs[:3])     # offset of the 4th record
    whole = p.bytes()
    wr("cut-mid-record.pcap", whole[:hdr_len + 16 + 20], "cut 20 bytes into the 4th record's data")
    wr("cut-mid-header.pcap", whole[:hdr_len + 8], "cut 8 bytes into the 4th record header")
    p = five()
    p.recs.insert(2, struct.pack("<IIII", T0, 1500, 0, 0))
    wr("zero-length-record.pcap", p.bytes(), "record 3 has caplen 0, len 0")
    p = five()
    p.recs.insert(3, struct.pack("<IIII", T0, 2500, 0x7FFFFFFF, 0x7FFFFFFF) + b"\x00" * 64)
    wr("oversized-record.pcap", p.bytes(), "record 4 claims caplen 0x7fffffff")
    p = Pcap("", LT_USER0)
    for i in range(3):
        p.add(b"user0 payload %d " % i + bytes(range(16)))
    wr("unsupported-linktype.pcap", p.bytes(), "link type 147 (USER0)")
    p = five()
    frame = p.recs[2][16:]
    p.recs[2] = struct.pack("<IIII", T0, 2000, len(frame), len(frame) - 10) + frame
    wr("caplen-gt-len.pcap", p.bytes(), "record 3 has caplen = len + 10")


# ------------------------------------------------------------------ self-check with scapy
def check():
    """Every packet of the well-formed samples must dissect as TCP in scapy, and every
    unfragmented IPv4 packet must carry correct IP and TCP checksums."""
    from scapy.all import IP, TCP, IPv6, rdpcap
    import scapy.contrib.mpls  # noqa: F401  (MPLS dissection)
    expect_tcp = ["vlan-qinq.pcap", "mpls.pcap", "null-loop.pcap", "loop.pcap", "raw-ip.pcap",
                  "ipv4-linktype.pcap", "ipv6-linktype.pcap", "ip-options.pcap",
                  "ipv6-exthdr.pcap", "eth-padding.pcap", "tcp-options.pcap", "illegal.pcap", "time-backwards.pcap",
                  "synack-two-sources.pcap", "port-scan.pcap"]
    for name in expect_tcp:
        for i, pk in enumerate(rdpcap(os.path.join(OUT, name)), 1):
            if TCP not in pk and name in ("null-loop.pcap", "loop.pcap"):
                # scapy binds only some BSD AF_INET6 values: dissect past the 4-byte header
                body = bytes(pk)[4:]
                pk = IPv6(body) if body[0] >> 4 == 6 else IP(body)
            if TCP not in pk:
                raise SystemExit("%s: packet %d does not dissect as TCP in scapy" % (name, i))
            if IP in pk:
                raw = bytes(pk[IP])[:pk[IP].len]
                again = IP(raw)
                del again.chksum
                del again[TCP].chksum
                again = IP(bytes(again))
                if (again.chksum, again[TCP].chksum) != (pk[IP].chksum, pk[TCP].chksum):
                    raise SystemExit("%s: packet %d has a bad checksum" % (name, i))


def illegal():
    """One connection per finding code of the state machines, client ports 41001..41013."""
    p = Pcap(os.path.join(OUT, "illegal.pcap"), LT_EN10MB)
    convs = []

    def conv(n, isn_c=None):
        c = Conv(C4, S4, 41000 + n, 80, isn_c or (0x10000000 * n), 0x80000000 + 0x1000000 * n)
        convs.append(c)
        return c

    c = conv(1)  # data_in_syn_sent: data that does not acknowledge the SYN,ACK it got
    c.seg(True, SYN, opts=syn_opts(*c.tsvals(True)))
    c.seg(False, SYN | ACK, opts=syn_opts(*c.tsvals(False)))
    c.seg(True, PSH | ACK, b"too early", ack=(c.sn - 1) & 0xFFFFFFFF)
    c = conv(2).handshake()  # syn_new_isn
    c.seg(True, SYN, seq=0x12345678, advance=False, opts=syn_opts(*c.tsvals(True)))
    c.client_close()
    c = conv(3).handshake()  # data_after_fin
    c.seg(True, FIN | ACK)
    c.seg(True, PSH | ACK, b"after the FIN")
    c = conv(4).handshake()  # segment_from_closed: its data again after its own RST
    c.seg(True, PSH | ACK, b"before")
    c.seg(True, RST | ACK, advance=False)
    c.seg(True, PSH | ACK, b"before", seq=(c.cn - 6) & 0xFFFFFFFF)
    c = conv(5).handshake()  # missing_ack
    c.seg(True, PSH, b"no ACK flag")
    c = conv(6).handshake()  # invalid_flags: SYN+FIN
    c.seg(True, SYN | FIN, advance=False)
    c = conv(7).handshake()  # invalid_flags: no flag at all
    c.seg(True, 0, advance=False)
    c = conv(8).handshake()  # invalid_flags: every flag
    c.seg(True, 0x3F, advance=False)
    c = conv(9).handshake()  # rst_after_rst: the server answers the client's RST as a closed port
    c.seg(True, PSH | ACK, b"data")  # (so that the answer differs from a SYN's)
    c.seg(False, ACK)
    c.seg(True, RST, advance=False)
    c.seg(False, RST | ACK, seq=0, ack=c.cn, advance=False, opts=b"")
    c = conv(10).handshake()  # ack_of_unseen: 100 bytes the capture never held
    c.seg(True, PSH | ACK, b"a" * 100)
    c.cn = (c.cn + 100) & 0xFFFFFFFF
    c.seg(False, ACK)
    c = conv(11)  # rst_unacceptable: an RST without ACK answers the SYN
    c.seg(True, SYN, opts=syn_opts(*c.tsvals(True)))
    c.seg(False, RST, seq=0, advance=False, opts=b"")
    c = conv(12).handshake()  # reuse_unacceptable: the server closes first, then a lower ISN
    c.seg(False, FIN | ACK)
    c.seg(True, FIN | ACK)
    c.seg(False, ACK)
    c.seg(True, SYN, seq=(c.cn - 0x10000) & 0xFFFFFFFF, opts=syn_opts(1, 0))
    c = conv(13).handshake()  # rst_not_from_endpoint: an RST in the client's name, which goes on
    c.seg(True, RST | ACK, advance=False)
    c.request_response().client_close()
    for n, c in enumerate(convs):
        for i, (c2s, seg) in enumerate(c.segments()):
            src, dst = (C4, S4) if c2s else (S4, C4)
            p.add(eth_ip(ip4(src, dst, 6, seg, ident=0x3000 + 0x40 * n + i), c2s))
    save(p)


def time_backwards():
    """A connection whose 5th packet is stamped 2 s before the 4th (a clock step)."""
    p = Pcap(os.path.join(OUT, "time-backwards.pcap"), LT_EN10MB)
    c = simple_conv(cport=41100)
    for i, (c2s, pkt) in enumerate(c.ip_packets()):
        ts = (T0 - 2, 4000) if i == 4 else (T0, 1000 * i)
        p.add(eth_ip(pkt, c2s), ts=ts)
    save(p, "packet 5 is stamped 2 s before packet 4")


def synack_two_sources():
    """Two stacks answer one SYN, with SYN,ACKs of different ISNs (a middlebox and the
    server, say): the client ignores the first, takes the second, and the first source's
    SYN,ACK comes once more after the exchange."""
    p = Pcap(os.path.join(OUT, "synack-two-sources.pcap"), LT_EN10MB)
    isn_c, isn_a, isn_b = 0x41200000, 0x80000000, 0x30000000
    c = Conv(C4, S4, 41200, 80, isn_c, isn_b)
    c.seg(True, SYN, opts=syn_opts(c.tsc, 0))                                  # 1 SYN
    last_b = c.last_s
    c.seg(False, SYN | ACK, seq=isn_a, opts=syn_opts(5000000, c.last_c))        # 2 source A
    c.last_s = last_b                       # the client did not take it: it echoes nothing of A
    c.seg(True, SYN, seq=isn_c, opts=syn_opts(c.tsc, 0))                       # 3 its SYN again
    c.seg(False, SYN | ACK, opts=syn_opts(*c.tsvals(False)))                    # 4 source B
    c.seg(True, ACK)                                                            # 5 ACK of B's ISN + 1
    c.request_response()                                                        # 6, 7
    last_b = c.last_s
    c.seg(False, SYN | ACK, seq=isn_a, ack=isn_c + 1, opts=syn_opts(5000900, c.last_c))  # 8 A again
    c.last_s = last_b
    c.client_close()                                                            # 9, 10, 11
    for i, (c2s, pkt) in enumerate(c.ip_packets(ident0=0x4120)):
        p.add(eth_ip(pkt, c2s), ts=(T0, 1000 * i))
    save(p, "SYN,ACKs of two ISNs; the client takes the second")


def port_scan():
    """A SYN scan (nmap -sS style) of 400 ports in a shuffled order: closed ports answer
    RST,ACK, three open ones SYN,ACK (the scanner resets them), and a few filtered ones
    never answer (their SYN is sent twice). Many server ports, met in no order: the
    end-state table sorts them."""
    import random
    p = Pcap(os.path.join(OUT, "port-scan.pcap"), LT_EN10MB)
    ports = list(range(1, 401))
    random.Random(7).shuffle(ports)
    opened, filtered = (22, 80, 143), (25, 111, 389, 399)
    isn_c, isn_s, sport = 0x51000000, 0x62000000, 45000
    t = 0
    def add(c2s, seg, ident):
        nonlocal t
        src, dst = (C4, S4) if c2s else (S4, C4)
        p.add(eth_ip(ip4(src, dst, 6, seg, ident=ident), c2s), ts=(T0 + t // 1000000, t % 1000000))
        t += 150
    for i, port in enumerate(ports):
        syn = tcp(a4(C4), a4(S4), sport, port, isn_c + i, 0, SYN, win=1024, opts=struct.pack("!BBH", 2, 4, 1460))
        add(True, syn, 0x3000 + i)
        if port in opened:
            add(False, tcp(a4(S4), a4(C4), port, sport, isn_s + i, isn_c + i + 1, SYN | ACK,
                           opts=struct.pack("!BBH", 2, 4, 1460)), 0x100 + i)
            add(True, tcp(a4(C4), a4(S4), sport, port, isn_c + i + 1, 0, RST, win=0), 0x4000 + i)
        elif port in filtered:
            add(True, syn, 0x5000 + i)
        else:
            add(False, tcp(a4(S4), a4(C4), port, sport, 0, isn_c + i + 1, RST | ACK, win=0), 0)
    save(p, "SYN scan of 400 ports in shuffled order: 3 open, 4 filtered, the rest closed")


def main():
    os.makedirs(OUT, exist_ok=True)
    vlan_qinq()
    mpls()
    null_loop()
    raw_linktypes()
    ip_options()
    ipv6_exthdr()
    eth_padding()
    tcp_options()
    illegal()
    time_backwards()
    synack_two_sources()
    port_scan()
    frags()
    malformed()
    bad_files()
    with open(os.path.join(OUT, "malformed-index.tsv"), "w") as f:
        f.write("# malformed.pcap: packet number, TCP/UDP source port (or ICMP id), problem\n")
        for i, (port, what) in enumerate(MALFORMED, 1):
            f.write("%d\t%d\t%s\n" % (i, port, what))
    check()
    for path, note in written:
        print("%-40s %s" % (os.path.relpath(path, OUT), note))


if __name__ == "__main__":
    main()
