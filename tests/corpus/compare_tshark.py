#!/usr/bin/python3
"""compare_tshark.py - compares tcpstate's findings with tshark's expert notes, per packet.

    compare_tshark.py TCPSTATE [--corpus DIR] [--pcap FILE ...] [--live]
                      [--tshark PATH] [--summary-out F] [--golden F] [-v]

Corpus mode (the default, or --corpus DIR): every capture of DIR/MANIFEST.tsv
that has a tshark TSV (DIR/tshark/<source>_<capture>.tsv, made by tshark 4.0.17)
is read with `tcpstate --json`, and each packet's findings are set against the
`expert` column of that packet's TSV row. --live runs the installed tshark
instead of reading the TSVs (to try another tshark version).
--pcap FILE (repeatable): tshark is run on FILE with the TSVs' own command
(TSHARK_FIELDS below; it reproduces the corpus TSVs byte for byte).
Both can be given; with --pcap alone the corpus is not read. tcpstate runs
with --no-vlan-tracking (tshark's conversations ignore VLAN tags), unless
--vlan-tracking is given.

Each tshark expert message is classified by the table EXPERT below: a
TCP-analysis message maps to the tcpstate code(s) that say the same thing;
anything else (connection chat, option notes, other protocols' notes) is
ignored and counted as ignored, by the reason given in the table. A message the
table does not know is listed as UNRECOGNISED when it reads like TCP analysis
(a newer tshark's text: extend the table), else ignored as `other:unlisted`.

Per packet, T is the set of tshark labels (Wireshark field names, e.g.
tcp.analysis.retransmission) and U the set of tcpstate codes (findings at that
`pkt`, plus the pseudo-code `conn.reuse` on the first packet of a connection
whose `reuse` is not null). The generic retransmission note that tshark adds
to a fast or spurious one is dropped from T (counted as ignored). Cells of the
(tshark, tcpstate) table:
  - agree:     a label whose codes meet U; the codes met are consumed;
  - refine:    then, a label whose finer codes (REFINES) meet what is left of U;
  - disagree:  what is left on both sides, as one cell ("a+b", "c+d");
  - tshark-only (tcpstate "nothing") / tcpstate-only (tshark "nothing"):
    what is left on one side when the other has nothing left.
Agreements also check that tcpstate's endpoint is the packet's sender, and
for Duplicate ACK that the running count (`#n` in tcpstate's detail, when
present) equals tshark's.

Output: a report on standard output; --summary-out F writes a deterministic,
sorted summary (a golden file); --golden F compares that summary with F and
exits 1 on a difference (TCPS_UPDATE=1 rewrites F instead). Exits 77 (CTest
skip) when the corpus is absent and nothing else was asked for.
"""
import argparse
import collections
import difflib
import json
import os
import re
import shutil
import subprocess
import sys

# The command that made ../shared/corpus/tshark/*.tsv (checked: byte-identical
# on all 39 captures with tshark 4.0.17), minus the header line.
TSHARK_FIELDS = ["frame.number", "frame.time_epoch", "frame.len", "frame.cap_len", "tcp.stream",
                 "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
                 "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.window_size_value",
                 "_ws.expert.message"]
TSV_COLUMNS = ["frame", "time_epoch", "frame_len", "cap_len", "tcp_stream", "src4", "src6", "sport",
               "dst4", "dst6", "dport", "tcp_flags", "seq_raw", "ack_raw", "tcp_len", "win_value",
               "expert"]

NOTHING = "nothing"
REUSE = "conn.reuse"   # pseudo-code: a connection record with "reuse" set, at its first packet

# (regex on the whole message, label, tcpstate codes it means, or None and why it is ignored).
# Messages are tshark 4.0.17's (`tshark -G fields`, FT_NONE tcp.* items, and the
# expert_add_info_format texts seen in the corpus). First match wins.
EXPERT = [
    # tcp.analysis.* (anchors.md section 1.2)
    (r"This frame is a \(suspected\) retransmission", "tcp.analysis.retransmission", {"retransmission"}),
    (r"This frame is a \(suspected\) fast retransmission", "tcp.analysis.fast_retransmission",
     {"fast_retransmission"}),
    (r"This frame is a \(suspected\) spurious retransmission", "tcp.analysis.spurious_retransmission",
     {"spurious_retransmission"}),
    (r"This frame is a \(suspected\) out-of-order segment", "tcp.analysis.out_of_order", {"out_of_order"}),
    (r"Previous segment\(s\) not captured \(common at capture start\)", "tcp.analysis.lost_segment",
     {"segment_not_captured"}),
    (r"ACKed segment that wasn't captured \(common at capture start\)", "tcp.analysis.ack_lost_segment",
     {"ack_of_unseen"}),
    (r"Duplicate ACK(?: \(#(?P<dupnum>\d+)\))?", "tcp.analysis.duplicate_ack", {"dup_ack"}),
    (r"TCP window update", "tcp.analysis.window_update", {"window_update"}),
    (r"TCP window specified by the receiver is now completely full", "tcp.analysis.window_full",
     {"window_full"}),
    (r"TCP keep-alive segment", "tcp.analysis.keep_alive", {"keep_alive"}),
    (r"ACK to a TCP keep-alive segment", "tcp.analysis.keep_alive_ack", {"keep_alive_ack"}),
    (r"TCP Zero Window Probe", "tcp.analysis.zero_window_probe", {"zero_window_probe"}),
    (r"TCP Zero Window segment", "tcp.analysis.zero_window", {"zero_window"}),
    (r"ACK to a TCP Zero Window Probe", "tcp.analysis.zero_window_probe_ack", {"zero_window_probe_ack"}),
    (r"A new tcp session is started with the same ports as an earlier session in this trace",
     "tcp.analysis.reused_ports", {REUSE, "reuse_unacceptable"}),
    (r"The acknowledgment number field is nonzero while the ACK flag is not set", "tcp.ack.nonzero",
     {"ack_without_flag"}),
    (r"Window scale shift exceeds 14", "tcp.options.wscale.shift.invalid", {"wscale_invalid"}),
    # Fast Open: reports of a feature in use, not anomalies; tcpstate's handshake
    # rules accept an ignored or accepted SYN payload (RFC 7413).
    (r"TCP SYN with TFO Cookie", "tcp.analysis.tfo_syn", None, "Fast Open in use, not an anomaly"),
    (r"TCP SYN-ACK accepting TFO data", "tcp.analysis.tfo_ack", None, "Fast Open in use, not an anomaly"),
    (r"TCP SYN-ACK ignoring TFO data", "tcp.analysis.tfo_ignored", None,
     "Fast Open data not accepted: legal (RFC 7413), not an anomaly"),
    # Newer Wireshark (after 4.0; text as quoted in anchors.md 1.2, unverified on a binary)
    (r"Partial Acknowledgement of a segment", "tcp.analysis.partial_ack", None,
     "RTT bookkeeping (newer Wireshark)"),
    (r"Ambiguous ACK following Karn's definition", "tcp.analysis.ambiguous_ack", None,
     "RTT bookkeeping (newer Wireshark)"),
    # Connection chat
    (r"Connection establish request \(SYN\)(?:: server port \d+)?", "tcp.connection.syn", None, "connection chat"),
    (r"Connection establish acknowledge \(SYN\+ACK\)(?:: server port \d+)?", "tcp.connection.synack", None,
     "connection chat"),
    (r"Connection finish \(FIN\)", "tcp.connection.fin", None, "connection chat"),
    (r"Connection reset \(RST\)", "tcp.connection.rst", None, "connection chat"),
    (r"This frame initiates the connection closing", "tcp.connection.fin_active", None, "connection chat"),
    (r"This frame undergoes the connection closing", "tcp.connection.fin_passive", None, "connection chat"),
    # Option and header notes without a tcpstate finding
    (r"D-SACK Sequence", "tcp.options.sack.dsack", None, "option note (tcpstate uses D-SACK as evidence)"),
    (r"SNACK Sequence.*", "tcp.options.snack.sequence", None, "option note"),
    (r"The SYN packet does not contain a MSS option", "tcp.options.mss.absent", None, "option note"),
    (r"The non-SYN packet does contain a MSS option", "tcp.options.mss.present", None, "option note"),
    (r"4 NOP in a row - a router may have removed some options", "tcp.nop", None, "option note"),
    (r"Invalid length for option|option length should be >= than \d+",
     "tcp.option.len.invalid", None, "option note (tcpstate: packet note bad_options)"),
    (r"Non zero bytes in option space after EOL option", "tcp.non_zero_bytes_after_eol", None, "option note"),
    (r"suboption would go past end of option", "tcp.suboption_malformed", None, "option note"),
    (r"The urgent pointer field is nonzero while the URG flag is not set", "tcp.urgent_pointer.non_zero", None,
     "no tcpstate code (the urgent pointer plays no part in the state machines)"),
    (r"Bogus TCP [Hh]eader length.*", "tcp.bogus_header_length", None,
     "decoder diagnostic (tcpstate: packet note malformed)"),
    (r"Short segment.*", "tcp.short_segment", None, "decoder diagnostic (tcpstate: packet note malformed)"),
    (r"TCP Checksum 0xffff instead of 0x0000.*", "tcp.checksum.ffff", None, "checksum (not verified by default)"),
    (r"Bad checksum.*", "tcp.checksum_bad.expert", None, "checksum (not verified by default)"),
    # Other layers and protocols
    (r"New fragment overlaps old data \(retransmission\?\)", "reassembly", None,
     "tshark's payload reassembly, not TCP analysis"),
    (r"(?:[A-Z][A-Z-]+ \S+ HTTP/\d\.\d|HTTP/\d\.\d \d{3}\b.*)(?:\\r\\n)?|(?:GET|POST|PUT|HEAD|NOTIFY|SUBSCRIBE"
     r"|UNSUBSCRIBE|M-SEARCH|OPTIONS|DELETE|CONNECT|PATCH) .*", "other:http", None, "another protocol's chat"),
    (r"Source MAC must not be a group address.*", "other:eth", None, "another layer's note"),
    (r"Malformed Packet.*|Invalid length field.*|Decoded \d+ bytes, but packet le[ng]+th is \d+ bytes"
     r"|Trailing stray characters|Didn't find padding of zeros.*|Bogus IP.*|IPv6 payload length.*",
     "other:malformed", None, "another layer's decoder diagnostic"),
    (r"Arrival Time: .*", "other:frame", None, "capture-file note (tcpstate: packet note)"),
]
EXPERT = [(re.compile(e[0] + r"\Z"), e[1], e[2], e[3] if len(e) > 3 else None) for e in EXPERT]
COMPARED_LABELS = {lab: codes for _, lab, codes, _ in EXPERT if codes}
# A tcpstate code that reads the same event more finely than the tshark label:
# the cell is "refine", not "disagree" (docs/tshark-comparison.md says why).
REFINES = {
    # a gap the peer never acknowledged was lost on the way, not by the capture
    "tcp.analysis.lost_segment": {"segment_lost"},
    # hindsight (dup ACKs, D-SACK, later ACKs) tells which kind of retransmission
    "tcp.analysis.retransmission": {"fast_retransmission", "spurious_retransmission"},
    "tcp.analysis.fast_retransmission": {"spurious_retransmission"},
}
# A message the table lacks is "unrecognised" (to be added) when it reads like TCP
# analysis (a newer tshark's text); otherwise it is another dissector's, ignored.
LOOKS_TCP = re.compile(r"\bTCP\b|segment|retransmi|\bACK|[Ww]indow|keep-alive|out-of-order|\bSYN\b|\bFIN\b|\bRST\b|"
                       r"\bMSS\b|\bSACK\b|sequence|acknowledg")


def classify(msg):
    """(label, codes or None, reason, match)."""
    for rx, label, codes, reason in EXPERT:
        m = rx.match(msg)
        if m:
            return label, codes, reason, m
    text = re.sub(r"\d+", "N", msg)[:80]
    if LOOKS_TCP.search(msg):
        return "unrecognised", None, text, None
    return "other:unlisted", None, "not in the table, not TCP-like: " + text, None


class PacketView:
    """What one tool says about each packet of one capture."""

    def __init__(self):
        self.tshark = collections.defaultdict(dict)     # pkt -> label -> extra (dupnum or None)
        self.sender = {}                                 # pkt -> "ip:port" from tshark's row
        self.ours = collections.defaultdict(dict)        # pkt -> code -> [(endpoint, detail)]
        self.ignored = collections.Counter()             # (label, reason) -> count
        self.unrecognised = collections.Counter()        # normalised message -> count
        self.rows = 0
        self.findings = 0


def last(value):
    """The innermost value of a field that tshark aggregated with '|'."""
    return value.split("|")[-1] if value else ""


def endpoint_of(src4, src6, sport):
    src4, src6, sport = last(src4), last(src6), last(sport)
    if not sport:
        return None
    if src6 and not src4:
        return f"[{src6}]:{sport}"
    return f"{src4}:{sport}" if src4 else None


def read_tshark_rows(lines, view):
    for line in lines:
        line = line.rstrip("\n")
        if not line or line.startswith("frame\t"):
            continue
        cols = line.split("\t")
        if len(cols) < len(TSV_COLUMNS):
            cols += [""] * (len(TSV_COLUMNS) - len(cols))
        row = dict(zip(TSV_COLUMNS, cols))
        try:
            pkt = int(row["frame"])
        except ValueError:
            continue
        view.rows += 1
        ep = endpoint_of(row["src4"], row["src6"], row["sport"])
        if ep:
            view.sender[pkt] = ep
        if not row["expert"]:
            continue
        for msg in row["expert"].split("|"):
            if not msg:
                continue
            label, codes, reason, m = classify(msg)
            if codes:
                dup = m.groupdict().get("dupnum") if m else None
                view.tshark[pkt][label] = int(dup) if dup else None
            elif label == "unrecognised":
                view.unrecognised[reason] += 1
            else:
                view.ignored[(label, reason)] += 1
        # tshark adds the generic retransmission note to a fast or spurious one
        # (packet-tcp.c); it says nothing more, so it is not compared on its own.
        labels = view.tshark.get(pkt, {})
        if "tcp.analysis.retransmission" in labels and (
                "tcp.analysis.fast_retransmission" in labels or "tcp.analysis.spurious_retransmission" in labels):
            del labels["tcp.analysis.retransmission"]
            view.ignored[("tcp.analysis.retransmission", "implied by fast or spurious retransmission")] += 1


def run_tshark(tshark, pcap, view):
    cmd = [tshark, "-n", "-r", pcap, "-Y", "tcp", "-T", "fields", "-E", "separator=/t", "-E", "aggregator=|"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          errors="replace") as p:
        read_tshark_rows(p.stdout, view)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit status {p.returncode}")


def run_tcpstate(tcpstate, pcap, view, options):
    with subprocess.Popen([tcpstate, "--json"] + options + [pcap], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True, errors="replace") as p:
        for line in p.stdout:
            if '"kind":"finding"' in line:
                r = json.loads(line)
                if r.get("pkt") is None:
                    continue
                view.findings += 1
                view.ours[r["pkt"]].setdefault(r["code"], []).append((r.get("endpoint"), r.get("detail", "")))
            elif '"kind":"connection"' in line:
                r = json.loads(line)
                if r.get("reuse"):
                    view.ours[r["first"]["pkt"]].setdefault(REUSE, []).append((r.get("initiator"), ""))
    if p.returncode < 0 or p.returncode not in (0, 2):
        raise RuntimeError(f"tcpstate --json {pcap}: exit status {p.returncode}")


class Tally:
    def __init__(self):
        self.cells = collections.Counter()               # (status, X, Y) -> count
        self.examples = collections.defaultdict(list)     # (status, X, Y) -> [example]
        self.checks = collections.Counter()               # (check, X) -> count
        self.check_examples = collections.defaultdict(list)
        self.ignored = collections.Counter()
        self.unrecognised = collections.Counter()
        self.tshark_notes = 0
        self.findings = 0

    def add(self, key, example, store=True):
        self.cells[key] += 1
        if store and len(self.examples[key]) < 3:
            self.examples[key].append(example)

    def check(self, key, example):
        self.checks[key] += 1
        if len(self.check_examples[key]) < 3:
            self.check_examples[key].append(example)


def compare(view, tally, name=None):
    """Adds one capture's packets to tally; examples are frame numbers, or name:frame."""
    def ex(pkt):
        return f"{name}:{pkt}" if name else str(pkt)
    tally.ignored.update(view.ignored)
    tally.unrecognised.update(view.unrecognised)
    tally.findings += view.findings
    for pkt in sorted(set(view.tshark) | set(view.ours)):
        t = dict(view.tshark.get(pkt, {}))
        u = dict(view.ours.get(pkt, {}))
        tally.tshark_notes += len(t)
        left_t = []
        for label in sorted(t):
            met = sorted(COMPARED_LABELS[label] & set(u))
            if not met:
                left_t.append(label)
                continue
            tally.add(("agree", label, "+".join(met)), ex(pkt))
            sender = view.sender.get(pkt)
            for code in met:
                for endpoint, detail in u[code]:
                    if sender and endpoint != sender:
                        tally.check(("endpoint is not the packet's sender", f"{label} / {code}"), ex(pkt))
                    if code == "dup_ack" and t[label] is not None:
                        m = re.search(r"#\s*(\d+)", detail or "")
                        if m and int(m.group(1)) != t[label]:
                            tally.check(("dup ACK count differs", f"tshark #{t[label]}, tcpstate #{m.group(1)}"),
                                        ex(pkt))
            for code in met:
                del u[code]
        still_t = []
        for label in left_t:   # second pass: a finer reading of the same event
            met = sorted(REFINES.get(label, set()) & set(u))
            if not met:
                still_t.append(label)
                continue
            tally.add(("refine", label, "+".join(met)), ex(pkt))
            for code in met:
                del u[code]
        left_t = still_t
        left_u = sorted(u)
        if left_t and left_u:
            tally.add(("disagree", "+".join(left_t), "+".join(left_u)), ex(pkt))
        else:
            for label in left_t:
                tally.add(("tshark-only", label, NOTHING), ex(pkt))
            for code in left_u:
                tally.add(("tcpstate-only", NOTHING, code), ex(pkt))


STATUS_ORDER = {"agree": 0, "refine": 1, "disagree": 2, "tshark-only": 3, "tcpstate-only": 4}


def table_lines(tally, indent="  "):
    out = []
    keys = sorted(tally.cells, key=lambda k: (STATUS_ORDER[k[0]], k[1], k[2]))
    if not keys:
        return [indent + "(no analysis notes and no findings)"]
    for k in keys:   # fixed widths (longer names overflow), so a new cell changes one line of a golden
        out.append(f"{indent}{k[0]:<13} {k[1]:<37} {k[2]:<23} {tally.cells[k]:>6}  "
                   f"e.g. {' '.join(tally.examples[k])}")
    for k in sorted(tally.checks):
        out.append(f"{indent}check: {k[0]}: {k[1]}  {tally.checks[k]}  e.g. {' '.join(tally.check_examples[k])}")
    return out


def ignored_lines(tally, indent="  "):
    out = []
    for (label, reason), n in sorted(tally.ignored.items()):
        out.append(f"{indent}ignored {label:<34} {n:>6}  ({reason})")
    for msg, n in sorted(tally.unrecognised.items()):
        out.append(f"{indent}UNRECOGNISED {n:>6}  {msg}")
    return out


def summary_text(results, overall, options):
    lines = ["# tcpstate vs tshark, per packet (tests/corpus/compare_tshark.py).",
             "# status tshark-label tcpstate-code count examples; labels are Wireshark field names;",
             "# 'conn.reuse' is a connection record with reuse set, at its first packet.",
             f"# tcpstate --json {' '.join(options + ['FILE'])}",
             "# Regenerate: TCPS_UPDATE=1 ctest -R tshark-compare (review the diff).",
             "", "== overall"]
    lines += table_lines(overall)
    lines += ignored_lines(overall)
    for name, tally in results:
        lines += ["", f"== {name}"]
        lines += table_lines(tally)
    return "\n".join(lines) + "\n"


def corpus_items(corpus):
    """(name, pcap path, tsv path or None) for each manifest capture that has a TSV."""
    items, missing = [], []
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    for row in rows:
        rel = row[0]
        tsv = os.path.join(corpus, "tshark", rel.replace("/", "_") + ".tsv")
        if os.path.isfile(tsv):
            items.append((rel, os.path.join(corpus, rel), tsv))
        else:
            missing.append(rel)
    return sorted(items), missing


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_corpus = os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "corpus"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tcpstate")
    ap.add_argument("--corpus", help=f"corpus folder (default {default_corpus} unless --pcap is given)")
    ap.add_argument("--pcap", action="append", default=[], help="run tshark live on this capture too")
    ap.add_argument("--live", action="store_true", help="corpus: run the installed tshark, not the TSVs")
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--summary-out", help="write the deterministic summary here")
    ap.add_argument("--golden", help="compare the summary with this file (TCPS_UPDATE=1 rewrites it)")
    ap.add_argument("--vlan-tracking", action="store_true",
                    help="keep tcpstate's default VLAN keying (tshark's conversations ignore VLAN tags)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list ignored notes per capture too")
    a = ap.parse_args()

    corpus = a.corpus or (None if a.pcap else default_corpus)
    jobs = []
    if corpus:
        if not os.path.isfile(os.path.join(corpus, "MANIFEST.tsv")):
            print(f"tshark-compare: {corpus} is absent; skipping (it lives in ../shared beside the repository)")
            if not a.pcap:
                return 77
        else:
            items, missing = corpus_items(corpus)
            for rel in missing:
                print(f"tshark-compare: {rel}: no tshark TSV, not compared")
            jobs += [(rel, pcap, None if a.live else tsv) for rel, pcap, tsv in items]
    jobs += [(p, p, None) for p in a.pcap]
    if any(tsv is None for _, _, tsv in jobs) and not shutil.which(a.tshark):
        print(f"tshark-compare: {a.tshark} not found (apt-get install tshark)")
        return 2

    # Like for like: tshark's tcp.stream keys on addresses and ports only, so a
    # capture whose tap tagged one direction (sv-syn-retransmit-vlan) is one
    # conversation to tshark and two half-connections to tcpstate's default.
    options = [] if a.vlan_tracking else ["--no-vlan-tracking"]
    results, overall = [], Tally()
    for name, pcap, tsv in jobs:
        view = PacketView()
        if tsv:
            with open(tsv, encoding="utf-8", errors="replace") as f:
                read_tshark_rows(f, view)
        else:
            run_tshark(a.tshark, pcap, view)
        run_tcpstate(a.tcpstate, pcap, view, options)
        tally = Tally()
        compare(view, tally)
        compare(view, overall, name)
        results.append((name, tally))
        print(f"== {name}: {view.rows} TCP rows from tshark, {tally.tshark_notes} compared tshark notes, "
              f"{view.findings} tcpstate findings")
        for line in table_lines(tally):
            print(line)
        if a.verbose:
            for line in ignored_lines(tally):
                print(line)

    print("== overall")
    for line in table_lines(overall) + ignored_lines(overall):
        print(line)
    text = summary_text(results, overall, options)
    if a.summary_out:
        with open(a.summary_out, "w", encoding="utf-8") as f:
            f.write(text)
    if a.golden:
        if os.environ.get("TCPS_UPDATE") == "1":
            with open(a.golden, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"updated {a.golden}")
            return 0
        if not os.path.isfile(a.golden):
            print(f"missing golden file {a.golden} (run with TCPS_UPDATE=1 to create it)")
            return 1
        with open(a.golden, encoding="utf-8") as f:
            want = f.read()
        if want != text:
            sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), text.splitlines(True),
                                                       a.golden, "actual"))
            print(f"FAIL: the comparison differs from {a.golden}")
            return 1
        print(f"tshark-compare: summary equals {a.golden}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
