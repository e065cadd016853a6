#!/usr/bin/python3
"""compare_tcpdump.py - checks tcpstate's TCP decoder against tcpdump's own
expected output.

For every line of every ``oracles/*/TESTLIST.lines`` under the corpus's
``tcpdump/`` folder whose ``.out`` file exists, runs ``decode_dump`` on the
capture and compares, packet by packet (tcpdump's ``-#`` numbers), every TCP
field tcpdump printed: addresses and ports, ``Flags [...]``, seq (start and
end), ack, win, urg, the options list (names, order and values), ``length``
(or ``tcp N`` with ``-q``), the BIG TCP length note, and the truncation and
invalid markers (``[|tcp]``, ``(invalid)``, ``[bad hdr length ...]``,
``[bad opt]``, ``[len N]``).

tcpdump prints sequence numbers relative to the conversation unless -S; the
rule of print-tcp.c is replicated in RelativeSeq below and applied to the
absolute numbers our decoder reports.

What tcpdump prints and our decoder deliberately does not reproduce is listed
in KNOWN_DIFFERENCES, each with its reason; every occurrence is counted and
reported, and any text of the TCP part that is neither compared nor covered
by a listed difference is an error, so nothing is ignored silently.

Usage: compare_tcpdump.py [-v] DECODE_DUMP CORPUS_DIR
  CORPUS_DIR is the shared corpus root (the folder holding tcpdump/).
Exit: 0 all compared fields agree, 1 mismatches (or a harness error),
      77 the corpus is absent (CTest SKIP_RETURN_CODE).
Standard library only.
"""

import argparse
import csv
import ipaddress
import os
import re
import subprocess
import sys

SKIP = 77

# What tcpdump shows that the decoder deliberately does not reproduce. Keep
# this list small; every entry needs its one-line justification.
KNOWN_DIFFERENCES = {
    "tcp-checksum":
        "cksum 0x.... (-v): tcpstate never verifies checksums (offloading NICs make them "
        "wrong in most captures); it is not a decoded field",
    "payload-dissection":
        "text after 'length N' (HTTP, SSH, RESP, RPKI-RTR, RST diagnostic): tcpstate decodes "
        "TCP only and never interprets the payload",
    "tfo-cookie-bytes":
        "TFO cookie value: the decoder keeps only the cookie length, which is compared",
    "mptcp-details":
        "MPTCP option length and subtype fields (flags, reason, keys...): the decoder keeps "
        "only the subtype, which is compared",
    "exp-exid":
        "ExID of a non-TFO experimental option (RFC 6994), e.g. exp-acc0: the decoder counts "
        "it as unknown and keeps the kind, which is compared",
    "option-value-bytes":
        "value of an option the decoder only recognises (tcp-ao keyid/mac, md5, unknown-N "
        "0x..): the decoder keeps the kind, which is compared",
    "after-bad-length":
        "value of an option tcpdump marks [len N], and the options after it: tcpdump steps by "
        "the kind's usual size, not N, so it reads them misaligned; the decoder honours N "
        "(RFC 9293 3.1, as Linux does) and reports bad_size, which is compared",
    "fields-before-cut":
        "fields tcpdump prints before a [|tcp] inside the fixed TCP header: the decoder refuses "
        "a fixed header it cannot read whole (malformed tcp_cut); that verdict is compared",
}

# tcp_option_values names tcpdump gives to kinds our decoder counts as unknown.
TCPDUMP_OPTION_NAMES = {6: "echo", 7: "echoreply", 11: "cc", 12: "ccnew", 13: "ccecho",
                        20: "scps", 28: "uto"}

# Kinds of the options tcpdump names, for checking which one a [len N] is on.
OPTION_KINDS = {"eol": 0, "nop": 1, "mss": 2, "wscale": 3, "sackOK": 4, "sack": 5, "TS": 8,
                "md5": 19, "tcp-ao": 29, "mptcp": 30, "tfo": 34, "exp": 254}
OPTION_KINDS.update({v: k for k, v in TCPDUMP_OPTION_NAMES.items()})

# RFC 8684 subtypes as tcpdump's print-mptcp.c names them.
MPTCP_SUBTYPES = {0: "capable", 1: "join", 2: "dss", 3: "add-addr", 4: "rem-addr",
                  5: "prio", 6: "fail", 7: "fast-close", 8: "tcprst"}

TH_FIN, TH_SYN, TH_RST, TH_ACK, TH_URG = "F", "S", "R", ".", "U"

# Our malformed reasons that mean "the capture stops inside the TCP header".
TCP_CUT_WHYS = {"tcp_cut"}
IP_LEVEL_WHYS = {"ip_version", "ipv4_cut", "ipv4_bad_ihl", "ipv4_bad_length", "ipv4_beyond_wire",
                 "ipv6_cut", "ipv6_beyond_wire", "ipv6_ext_bad", "link_cut", "empty_record"}

M32 = 0xFFFFFFFF


class HarnessError(Exception):
    """The comparison itself could not run (bad oracle line, dump failure)."""


# ---------------------------------------------------------------------------
# Our side: decode_dump's output.

def run_dump(dump, pcap):
    proc = subprocess.run([dump, pcap], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    if proc.returncode != 0:
        raise HarnessError("%s %s exited %d: %s" % (dump, pcap, proc.returncode,
                                                    proc.stderr.strip()))
    pkts = []
    for line in proc.stdout.splitlines():
        if not line or line.startswith("#"):
            continue
        detail = None
        if " detail=" in line:
            line, detail = line.split(" detail=", 1)
        rec = dict(kv.split("=", 1) for kv in line.split())
        rec["detail"] = detail
        rec["pkt"] = int(rec["pkt"])
        if rec["pkt"] != len(pkts) + 1:
            raise HarnessError("decode_dump numbered packet %d out of order" % rec["pkt"])
        if rec["res"] == "tcp":
            for k in ("sport", "dport", "seq", "ack", "win", "urp", "hlen", "len", "cap",
                      "trunc", "tso", "optcut"):
                rec[k] = int(rec[k])
            rec["optlist"] = parse_our_opts(rec["opts"])
        pkts.append(rec)
    return pkts


def parse_our_opts(text):
    """decode_dump's opts=... into [(name, values)], names as tcpdump spells them."""
    out = []
    if text == "-":
        return out
    for tok in text.split(","):
        name, _, val = tok.partition("=")
        if name == "mss" or name == "wscale":
            out.append((name, {"value": int(val)} if val else {}))
        elif name == "ts":
            if val:
                v, e = val.split("/")
                out.append(("TS", {"val": int(v), "ecr": int(e)}))
            else:
                out.append(("TS", {}))
        elif name == "sack":
            blocks = [] if val in ("", "-") else [tuple(int(x) for x in b.split(":"))
                                                  for b in val.split("/")]
            out.append(("sack", {"abs_blocks": blocks}))
        elif name in ("tfo", "exp-tfo"):
            out.append((name, {"cookie_len": int(val)} if val else {}))
        elif name == "exp253-tfo":
            # kind 253 is unnamed in tcpdump: it prints unknown-253 0xf989...
            out.append(("unknown-253", {}))
        elif name == "mptcp":
            out.append(("mptcp", {"subtype": MPTCP_SUBTYPES.get(int(val), "unknown-%s" % val)}
                        if val else {}))
        elif name == "exp-254":
            out.append(("exp", {}))
        elif name == "exp-253":
            out.append(("unknown-253", {}))
        elif name.startswith("unknown-"):
            kind = int(name[len("unknown-"):])
            out.append((TCPDUMP_OPTION_NAMES.get(kind, name), {}))
        else:  # eol nop sackOK md5 tcp-ao
            out.append((name, {}))
    return out


# ---------------------------------------------------------------------------
# tcpdump's relative sequence numbers (print-tcp.c, tcp_print()).

class RelativeSeq:
    """Replicates tcpdump's tcp_seq_hash: only segments with ACK touch it; the
    key is the 4-tuple in a collating order (lower port first, then lower
    address when the ports are equal) so both directions share one entry; an
    entry is (re)made when absent or on SYN, and that packet prints absolute
    numbers; later ones print seq/ack minus the stored bases. SACK edges are
    made relative to the base of the acknowledged direction."""

    UNKNOWN = "unknown"

    def __init__(self, absolute=False):
        self.absolute = absolute
        self.table = {}

    @staticmethod
    def _key(fam, src, dst, sport, dport):
        src, dst = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
        rev = sport > dport or (sport == dport and src > dst)
        if rev:
            return (int(fam), dst, src, dport << 16 | sport), rev
        return (int(fam), src, dst, sport << 16 | dport), rev

    def forget(self, fam, src, dst, sport, dport):
        """tcpdump updated this conversation's entry from a packet the decoder
        rejected: its bases are unknown until a SYN renews them."""
        key, _ = self._key(fam, src, dst, sport, dport)
        self.table[key] = self.UNKNOWN

    def apply(self, p):
        """(seq, ack, sack_base) as tcpdump would print them for our packet p;
        None when the bases are unknown (see forget)."""
        seq, ack = p["seq"], p["ack"]
        if self.absolute or TH_ACK not in p["flags"]:
            return seq, ack, 0
        key, rev = self._key(p["fam"], p["src"], p["dst"], p["sport"], p["dport"])
        th = self.table.get(key)
        if th == self.UNKNOWN and TH_SYN not in p["flags"]:
            return None
        if th is None or TH_SYN in p["flags"]:
            if rev:
                th = {"ack": seq, "seq": (ack - 1) & M32}
            else:
                th = {"seq": seq, "ack": (ack - 1) & M32}
            self.table[key] = th
        elif rev:
            seq, ack = (seq - th["ack"]) & M32, (ack - th["seq"]) & M32
        else:
            seq, ack = (seq - th["seq"]) & M32, (ack - th["ack"]) & M32
        return seq, ack, th["seq"] if rev else th["ack"]


# ---------------------------------------------------------------------------
# tcpdump's side: the .out text.

PKT_RE = re.compile(r"^\s*(\d+)  (.*)$")
TS_RE = re.compile(r"^\s*(?:\d{4}-\d\d-\d\d )?(?:\d+:\d\d:\d\d\.\d+|\d+\.\d+)?"
                   r"(?: \(invalid [a-z]+\))?\s*")
ENDPOINTS_RE = re.compile(r"^\s*(\S+)\.(\d+) > (\S+)\.(\d+):(.*)$", re.S)
EXT_ENDPOINTS_RE = re.compile(r"^\s*(\S+) > (\S+): (.*?)\b(\d+) > (\d+):(.*)$", re.S)


def read_oracle(path):
    """The .out as {packet number: (first line, [continuation lines])}."""
    pkts = {}
    order = []
    cur = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            m = PKT_RE.match(line)
            if m and not line.startswith("\t"):
                cur = int(m.group(1))
                if cur in pkts:
                    raise HarnessError("%s: packet %d printed twice" % (path, cur))
                pkts[cur] = (m.group(2), [])
                order.append(cur)
            elif cur is None:
                raise HarnessError("%s: text before the first packet: %r" % (path, line))
            else:
                pkts[cur][1].append(line)
    return pkts, order


def balanced(text, start):
    """Index just past the bracket group opening at text[start] ('(' or '['), or -1."""
    pairs = {"(": ")", "[": "]"}
    stack = []
    for i in range(start, len(text)):
        c = text[i]
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1]:
            stack.pop()
            if not stack:
                return i + 1
    return -1


def split_top(text, sep=","):
    parts, depth, cur = [], 0, ""
    for c in text:
        if c in "([{":
            depth += 1
        elif c in ")]}" and depth:
            depth -= 1
        if c == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    return parts


def parse_tcpdump_packet(first, cont):
    """Classifies one printed packet and pulls out its TCP part.

    Returns a dict with 'kind' in: other (not IP, or IP but not TCP),
    ip_invalid, unplaced (TCP text this script cannot parse: an error), tcp.
    For tcp: endpoints, 'body' (the TCP text after the ports), the IP header
    notes of -v and the payload lines."""
    rest = TS_RE.sub("", first, count=1)
    # DLT_LINUX_SLL2 lines start with the interface name and the direction.
    rest = re.sub(r"^\S+ +(?:In|Out|B|M|P) +(?=(?:IP6?|MPLS|PPPoE) )", "", rest, count=1)
    # Encapsulations tcpdump names before IP: MPLS (label ...), PPPoE [ses ...].
    m = re.match(r"^(MPLS|PPPoE) (?=[(\[])", rest)
    while m:
        end = balanced(rest, m.end())
        if end < 0:
            raise HarnessError("unbalanced encapsulation text: %r" % rest)
        rest = rest[end:].lstrip()
        m = re.match(r"^(?=[(\[])", rest)  # further labels
    m = re.match(r"^(IP6?) (.*)$", rest, re.S)
    if not m:
        return {"kind": "other", "what": rest.split(",")[0][:40]}
    fam = 6 if m.group(1) == "IP6" else 4
    text = m.group(2)
    ipinfo = ""
    if text.startswith("("):
        end = balanced(text, 0)
        if end < 0:
            raise HarnessError("unbalanced IP header text: %r" % text)
        ipinfo, text = text[:end], text[end:]
    # The TCP part of -v output is on the continuation lines that do not
    # start with a tab; tab lines are payload (application) dissection.
    payload_lines = [c for c in cont if c.startswith("\t")]
    tcp_lines = [c for c in cont if not c.startswith("\t")]
    text = " ".join([text.strip()] + [c.strip() for c in tcp_lines]).strip()
    ep = ENDPOINTS_RE.match(text)
    if ep:
        src, sport, dst, dport, body = ep.groups()
    else:
        # IPv6 with extension headers: "src > dst: HBH ... DSTOPT ... sport > dport: ..."
        ep = EXT_ENDPOINTS_RE.match(text)
        if not ep:
            if "(invalid)" in text or "(invalid)" in ipinfo or "[|ip" in text:
                return {"kind": "ip_invalid", "text": text.strip(), "fam": fam}
            if re.search(r"Flags \[|\[\|tcp\]| tcp \d", text):
                return {"kind": "unplaced", "text": text.strip()}
            return {"kind": "other", "what": ("IP6 " if fam == 6 else "IP ") + text[:40]}
        src, dst, _, sport, dport, body = ep.groups()
    if not re.match(r"^\s*(Flags \[|tcp \d|\[\|tcp\])", body):
        return {"kind": "other", "what": body.strip()[:40]}
    return {"kind": "tcp", "fam": fam, "src": src, "sport": int(sport), "dst": dst,
            "dport": int(dport), "body": body, "ipinfo": ipinfo, "payload_lines": payload_lines}


def parse_options(text):
    """The inside of 'options [...]' into [(name, values, marks)], and whether
    it ended on [|tcp] or [bad opt]."""
    trunc = bad = False
    if text.endswith("[|tcp]"):
        trunc, text = True, text[:-len("[|tcp]")].rstrip().rstrip(",")
    elif text.endswith("[bad opt]"):
        # after the failing option's name, or after the separator when its
        # length byte was below 2 (tcpdump bails out before naming it)
        bad, text = True, text[:-len("[bad opt]")].rstrip().rstrip(",")
    opts = []
    for tok in split_top(text) if text else []:
        tok = tok.strip()
        marks = {}
        mlen = re.search(r"\[len (\d+)\]$", tok)
        if mlen:
            marks["badlen"] = int(mlen.group(1))
            tok = tok[:mlen.start()].rstrip()
        m = re.fullmatch(r"(nop|eol|sackOK)", tok)
        if m:
            opts.append((tok, {}, marks))
            continue
        m = re.fullmatch(r"(mss|wscale) (\d+)", tok)
        if m:
            opts.append((m.group(1), {"value": int(m.group(2))}, marks))
            continue
        m = re.fullmatch(r"TS val (\d+) ecr (\d+)", tok)
        if m:
            opts.append(("TS", {"val": int(m.group(1)), "ecr": int(m.group(2))}, marks))
            continue
        m = re.fullmatch(r"sack (\d+) ((?:\{\d+:\d+\})*)", tok)
        if m:
            blocks = [tuple(int(x) for x in b.split(":"))
                      for b in re.findall(r"\{(\d+:\d+)\}", m.group(2))]
            opts.append(("sack", {"n": int(m.group(1)), "blocks": blocks}, marks))
            continue
        m = re.fullmatch(r"(exp-tfo|tfo) +cookie(req| +([0-9a-f]*))", tok)
        if m:
            cookie = m.group(3) or ""
            vals = {"cookie_len": len(cookie) // 2}
            if cookie:
                marks["diff"] = "tfo-cookie-bytes"
            opts.append((m.group(1), vals, marks))
            continue
        m = re.fullmatch(r"exp-([0-9a-f]{4})", tok)
        if m:
            marks["diff"] = "exp-exid"
            opts.append(("exp", {}, marks))
            continue
        m = re.fullmatch(r"mptcp (\d+) (\S+)(.*)", tok)
        if m:
            marks["diff"] = "mptcp-details"
            opts.append(("mptcp", {"subtype": m.group(2)}, marks))
            continue
        m = re.fullmatch(r"(tcp-ao|md5|unknown-\d+|echo|echoreply|cc|ccnew|ccecho|scps|uto)"
                         r"(\s.*)?", tok)
        if m:
            if m.group(2):
                marks["diff"] = "option-value-bytes"
            opts.append((m.group(1), {}, marks))
            continue
        raise HarnessError("option text not understood: %r" % tok)
    return opts, trunc, bad


def parse_tcp_body(body):
    """The TCP text after 'src.port > dst.port:' into fields, in print order.

    Returns a dict; 'unparsed' holds any text left over (an error)."""
    f = {}
    s = body
    if re.match(r"^\s*\[\|tcp\]\s*$", s):
        f["verdict"] = "header_cut"
        return f
    m = re.match(r"^\s*tcp (\d+)(.*)$", s, re.S)
    if m:  # -q, or a data offset below 20
        f["qlen"] = int(m.group(1))
        s = m.group(2)
        m = re.match(r"^ \[bad hdr length (\d+) - too (short|long), [<>] (\d+)\]", s)
        if m:
            f["verdict"] = "bad_doff" if m.group(2) == "short" else "doff_beyond"
            s = s[m.end():]
        if s.strip():
            f["unparsed"] = s
        return f
    m = re.match(r"^\s*Flags \[([^\]]*)\]", s)
    if not m:
        f["unparsed"] = s
        return f
    f["flags"] = m.group(1)
    s = s[m.end():]
    m = re.match(r"^ \[bad hdr length (\d+) - too long, > (\d+)\]", s)
    if m:
        f["verdict"] = "doff_beyond"
        s = s[m.end():]
        if s.strip():
            f["unparsed"] = s
        return f
    m = re.match(r"^, cksum 0x[0-9a-f]{4} \((?:correct|incorrect -> 0x[0-9a-f]{4})\)", s)
    if m:
        f["cksum"] = True
        s = s[m.end():]
    m = re.match(r"^, seq (\d+)(?::(\d+))?", s)
    if m:
        f["seq"] = int(m.group(1))
        if m.group(2) is not None:
            f["seq_end"] = int(m.group(2))
        s = s[m.end():]
    m = re.match(r"^, ack (\d+)", s)
    if m:
        f["ack"] = int(m.group(1))
        s = s[m.end():]
    m = re.match(r"^, win (\d+)", s)
    if m:
        f["win"] = int(m.group(1))
        s = s[m.end():]
    m = re.match(r"^, urg (\d+)", s)
    if m:
        f["urg"] = int(m.group(1))
        s = s[m.end():]
    if s.startswith(", options ["):
        start = len(", options ")
        end = balanced(s, start)
        if end < 0:  # tcpdump may stop without the closing bracket
            inner = s[start + 1:]
            marker = re.search(r"\[\|tcp\]|\[bad opt\]", inner)
            if not marker:
                f["unparsed"] = s
                return f
            f["options"], f["opt_trunc"], f["opt_bad"] = parse_options(inner[:marker.end()].strip())
            s = inner[marker.end():]
        else:
            f["options"], f["opt_trunc"], f["opt_bad"] = parse_options(s[start + 1:end - 1])
            s = s[end:]
        if f["opt_trunc"]:
            f["verdict"] = "options_cut"
    m = re.match(r"^, length (\d+)", s)
    if m:
        f["length"] = int(m.group(1))
        s = s[m.end():]
        if s.strip():
            f["payload_text"] = s.strip()
            s = ""
    if s.strip():
        f["unparsed"] = s
    return f


# ---------------------------------------------------------------------------
# The comparison.

class Report:
    def __init__(self, verbose):
        self.verbose = verbose
        self.packets = 0
        self.fields = 0
        self.mismatches = []
        self.skipped = 0
        self.diffs = {k: 0 for k in KNOWN_DIFFERENCES}
        self.ctx = ""

    def check(self, field, theirs, ours):
        self.fields += 1
        if theirs != ours:
            self.mismatches.append("%s %s: tcpdump %s, ours %s" % (self.ctx, field, theirs, ours))
        elif self.verbose:
            print("ok %s %s: %s" % (self.ctx, field, theirs))

    def fail(self, what):
        self.mismatches.append("%s %s" % (self.ctx, what))

    def diff(self, name):
        assert name in KNOWN_DIFFERENCES, name
        self.diffs[name] += 1


def flag_set(p):
    """Our flags as a set of tcpdump letters."""
    return set(p["flags"]) if p["flags"] != "none" else set()


def compare_options(rep, theirs, ours_p, sack_base, opt_trunc, opt_bad):
    ours = list(ours_p["optlist"])
    err = ours_p["opterr"].split(":")[0]
    # tcpdump marks a bad option with [bad opt] (length below 2, past the
    # header, or too short for its value) or [len N] (length not the one the
    # kind needs); the decoder with len_short, len_past or bad_size. A window
    # scale above 14 is the decoder's own diagnostic: tcpdump prints the value,
    # which is compared, with no marker.
    marked = opt_bad or any("badlen" in marks for _, _, marks in theirs)
    rep.check("option error marker", marked, err in ("len_short", "len_past", "bad_size"))
    if opt_bad and len(ours) == len(theirs) + 1:
        ours = ours[:-1]  # the failing kind, listed by us but not named by tcpdump
    badlen_at = next((i for i, (_, _, marks) in enumerate(theirs) if "badlen" in marks), None)
    if badlen_at is None:
        rep.check("options count", len(theirs), len(ours))
    for i, ((tname, tvals, marks), (oname, ovals)) in enumerate(zip(theirs, ours)):
        label = "option %d" % (i + 1)
        rep.check(label, tname, oname)
        if tname != oname:
            continue
        if "badlen" in marks:
            rep.check(label + " [len %d] is the decoder's bad option" % marks["badlen"],
                      ours_p["opterr"].split(":")[-1], str(OPTION_KINDS.get(tname, "?")))
            rep.diff("after-bad-length")
            return
        if "diff" in marks:
            rep.diff(marks["diff"])
        if tname == "sack":
            blocks = [((l - sack_base) & M32, (r - sack_base) & M32)
                      for l, r in ovals.get("abs_blocks", [])]
            rep.check(label + " sack count", tvals["n"], len(blocks))
            rep.check(label + " sack blocks", tvals["blocks"], blocks)
            continue
        for k, v in tvals.items():
            rep.check("%s %s %s" % (label, tname, k), v, ovals.get(k))


def compare_packet(rep, t, ours, rel, mode):
    """t: parsed tcpdump packet; ours: decode_dump record (or None)."""
    if t["kind"] == "other":
        rep.skipped += 1
        if ours is not None and ours["res"] == "tcp":
            rep.fail("tcpdump shows no TCP (%s) but the decoder found a TCP segment" % t["what"])
        return
    rep.packets += 1
    if t["kind"] == "unplaced":
        rep.fail("tcpdump shows TCP text the script cannot place (teach compare_tcpdump.py): "
                 "%r; ours: %s %s" % (t["text"][:120], ours and ours["res"],
                                      ours and (ours.get("why") or "")))
        return
    if ours is None:
        rep.fail("tcpdump printed this packet, decode_dump did not")
        return
    if t["kind"] == "ip_invalid":
        rep.check("verdict (IP-level invalid: %s)" % t["text"], "malformed/ip-level",
                  "malformed/ip-level" if ours["res"] == "malformed" and ours.get("why") in
                  IP_LEVEL_WHYS else "%s/%s" % (ours["res"], ours.get("why", "")))
        if "[version" in t["text"]:
            rep.check("IP version marker", "ip_version", ours.get("why"))
        return

    f = parse_tcp_body(t["body"])
    if "unparsed" in f:
        rep.fail("tcpdump text not understood (teach compare_tcpdump.py): %r" % f["unparsed"])
    if t["payload_lines"] or f.get("payload_text"):
        rep.diff("payload-dissection")
    if f.get("cksum"):
        rep.diff("tcp-checksum")

    verdict = f.get("verdict")
    if verdict == "options_cut" and ours["res"] == "tcp":
        # The capture ends inside the options: both keep the fixed header
        # and the options before the cut; the segment stays usable.
        rep.check("verdict [|tcp] in the options", 1, ours["optcut"])
    elif verdict in ("header_cut", "options_cut"):
        # tcpdump: the capture ends inside the TCP header. Ours: tcp_cut.
        got = ours.get("why") if ours["res"] == "malformed" else ours["res"]
        rep.check("verdict [|tcp]", "tcp_cut", "tcp_cut" if got in TCP_CUT_WHYS else got)
        if ours["res"] == "malformed":
            shown = [k for k in ("flags", "seq", "ack", "win", "urg", "options") if k in f]
            for _ in shown:
                rep.diff("fields-before-cut")
            if TH_ACK in f.get("flags", "") and mode["hash_dependent"]:
                rel.forget(t["fam"], t["src"], t["dst"], t["sport"], t["dport"])
            return
    elif verdict == "bad_doff":
        rep.check("verdict [bad hdr length - too short]", "tcp_bad_doff", ours.get("why"))
        return
    elif verdict == "doff_beyond":
        rep.check("verdict [bad hdr length - too long]", "tcp_doff_beyond", ours.get("why"))
        if TH_ACK in f.get("flags", "") and mode["hash_dependent"]:
            # tcpdump updates its table before this check
            rel.forget(t["fam"], t["src"], t["dst"], t["sport"], t["dport"])
        return

    if ours["res"] != "tcp":
        rep.check("verdict", "tcp", "%s %s %s" % (ours["res"], ours.get("why", ""),
                                                 ours.get("detail") or ""))
        return
    rep.check("verdict", "tcp", "tcp")
    rep.check("family", t["fam"], int(ours["fam"]))
    rep.check("src", t["src"], ours["src"])
    rep.check("sport", t["sport"], ours["sport"])
    rep.check("dst", t["dst"], ours["dst"])
    rep.check("dport", t["dport"], ours["dport"])
    if t["ipinfo"] and t["fam"] == 4:  # -v shows the IPv4 header and its length note
        rep.check("IPv4 length 0 [presumed BIG TCP] / tso", "presumed BIG TCP" in t["ipinfo"],
                  bool(ours["tso"]))

    if "qlen" in f:  # -q: only the payload length is printed
        rep.check("length (tcp N)", f["qlen"], ours["len"])
        return

    flags = flag_set(ours)
    rep.check("flags", f["flags"], ours["flags"])
    relative = rel.apply(ours)
    if relative is None:
        rep.fail("relative seq/ack bases unknown: tcpdump took them from an earlier packet "
                 "of this conversation that the decoder rejected")
        return
    seq, ack, sack_base = relative
    seq_shown = mode["vflag"] > 1 or ours["len"] > 0 or bool(flags & {TH_SYN, TH_FIN, TH_RST})
    rep.check("seq shown", seq_shown, "seq" in f)
    if "seq" in f:
        rep.check("seq", f["seq"], seq)
        rep.check("seq end shown", ours["len"] > 0, "seq_end" in f)
        if "seq_end" in f:
            rep.check("seq end", f["seq_end"], (seq + ours["len"]) & M32)
    rep.check("ack shown", TH_ACK in flags, "ack" in f)
    if "ack" in f:
        rep.check("ack", f["ack"], ack)
    rep.check("win", f.get("win"), ours["win"])
    rep.check("urg shown", TH_URG in flags, "urg" in f)
    if "urg" in f:
        rep.check("urg", f["urg"], ours["urp"])
    rep.check("options shown", ours["hlen"] > 20, "options" in f)
    if "options" in f:
        compare_options(rep, f["options"], ours, sack_base, f["opt_trunc"], f["opt_bad"])
    elif ours["opterr"] != "none":
        rep.fail("decoder reports option error %s where tcpdump shows none" % ours["opterr"])
    if f.get("opt_bad") and "length" not in f:
        return  # tcpdump stops printing at [bad opt]
    if verdict == "options_cut":
        return  # tcpdump stops printing at [|tcp]; the length is compared nowhere
    rep.check("length", f.get("length"), ours["len"])


SUPPORTED_OPTS = re.compile(r"^(-v+|-q|-t{1,5}|--nano|-S|-n|-#|SPECIAL_t)$")


def tcpdump_mode(options):
    mode = {"vflag": 0, "qflag": False, "absolute": False}
    for o in options:
        if not SUPPORTED_OPTS.match(o):
            raise HarnessError("tcpdump option %s is not handled by compare_tcpdump.py" % o)
        if re.match(r"^-v+$", o):
            mode["vflag"] += len(o) - 1
        elif o == "-q":
            mode["qflag"] = True
        elif o == "-S":
            mode["absolute"] = True
    mode["hash_dependent"] = not mode["qflag"] and not mode["absolute"]
    return mode


def pcap_for(corpus, folder, testlist_pcap):
    """The corpus file for an oracle folder, cross-checked with MANIFEST.tsv."""
    manifest = os.path.join(corpus, "MANIFEST.tsv")
    rel = "tcpdump/oracles/%s/" % folder
    if os.path.exists(manifest):
        with open(manifest, encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if row.get("oracle_file") == rel:
                    if os.path.basename(row["source_path"]) != testlist_pcap:
                        raise HarnessError("%s: TESTLIST names %s, MANIFEST %s" % (
                            folder, testlist_pcap, row["source_path"]))
                    return os.path.join(corpus, row["file"])
    path = os.path.join(corpus, "tcpdump", folder + ".pcap")
    if not os.path.exists(path):
        raise HarnessError("no capture for oracle folder %s" % folder)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="print every agreeing field")
    ap.add_argument("dump", help="path of the decode_dump program")
    ap.add_argument("corpus", help="shared corpus root (holding tcpdump/)")
    args = ap.parse_args()

    oracles = os.path.join(args.corpus, "tcpdump", "oracles")
    if not os.path.isdir(oracles):
        print("SKIP: tcpdump oracle corpus not found at %s (a fresh clone has no ../shared/corpus)"
              % os.path.join(args.corpus, "tcpdump"))
        return SKIP

    rep = Report(args.verbose)
    dumps = {}
    runs = 0
    try:
        for folder in sorted(os.listdir(oracles)):
            tl = os.path.join(oracles, folder, "TESTLIST.lines")
            if not os.path.exists(tl):
                continue
            with open(tl, encoding="utf-8") as f:
                lines = [l.split() for l in f if l.strip() and not l.startswith("#")]
            for fields in lines:
                _, pcap_name, out_name, *options = fields  # name, pcap, out, options
                out = os.path.join(oracles, folder, out_name)
                if not os.path.exists(out):
                    continue
                runs += 1
                mode = tcpdump_mode(options)
                pcap = pcap_for(args.corpus, folder, pcap_name)
                if pcap not in dumps:
                    dumps[pcap] = run_dump(args.dump, pcap)
                ours = dumps[pcap]
                theirs, order = read_oracle(out)
                if order != list(range(1, len(order) + 1)):
                    raise HarnessError("%s: packet numbers are not 1..N" % out)
                rep.ctx = "%s/%s" % (folder, out_name)
                if len(order) != len(ours):
                    rep.fail("tcpdump printed %d packets, decode_dump %d" % (len(order), len(ours)))
                rel = RelativeSeq(absolute=mode["absolute"])
                for n in order:
                    rep.ctx = "%s/%s pkt %d" % (folder, out_name, n)
                    t = parse_tcpdump_packet(*theirs[n])
                    compare_packet(rep, t, ours[n - 1] if n <= len(ours) else None, rel, mode)
    except HarnessError as e:
        print("ERROR: %s" % e)
        return 1

    for m in rep.mismatches:
        print("MISMATCH %s" % m)
    print("documented differences (shown by tcpdump, not compared):")
    for k, why in KNOWN_DIFFERENCES.items():
        print("  %-20s x%-4d %s" % (k, rep.diffs[k], why))
    print("%d tcpdump runs, %d packets skipped as not TCP" % (runs, rep.skipped))
    print("tcpdump oracle: %d packets compared, %d fields, %d mismatches"
          % (rep.packets, rep.fields, len(rep.mismatches)))
    if runs == 0:
        print("ERROR: no oracle was found under %s" % oracles)
        return 1
    return 1 if rep.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
