#!/usr/bin/python3
"""check_corpus.py - tcpstate corpus over a directory of captures, against committed baselines.

Usage: check_corpus.py TCPSTATE REPO samples|shared

samples: the repository's samples/ with tests/ci/baselines/samples:
  - every capture is found (by content), and every one is the same as its baseline;
  - exactly the captures that cannot be read whole are unreadable (status 2), the
    run exits 2; the JUnit file parses, with one test case per capture and an
    <error> for each unreadable one;
  - -j 1 and -j 2 give the same summary (times aside), in the same order;
  - --write-baselines writes files byte for byte equal to the committed ones;
  - drift: in a scratch corpus with baselines beside the captures, a capture
    changed after its baseline was written fails with the exact differences,
    exit 1, and a JUnit <failure> of type baseline; --fail-on fails a capture
    whose findings it names.
shared: ../shared/corpus with tests/ci/baselines/shared: all the same, exit 0.
Exit 77 (CTest's skip) when ../shared/corpus does not exist.
"""
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

UNREADABLE = {
    "samples/bad-files/cut-mid-header.pcap",
    "samples/bad-files/cut-mid-record.pcap",
    "samples/bad-files/oversized-record.pcap",
    "samples/bad-files/unsupported-linktype.pcap",
    "samples/multi-if-mixed.pcapng",
}

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def run(tcpstate, args, cwd):
    p = subprocess.run([tcpstate, "corpus"] + args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    return p.returncode, p.stdout, p.stderr


def records(stdout):
    caps, diffs, total = {}, [], None
    for line in stdout.splitlines():
        r = json.loads(line)
        if r["kind"] == "corpus_capture":
            caps[r["file"]] = r
        elif r["kind"] == "baseline_difference":
            diffs.append(r)
        elif r["kind"] == "corpus":
            total = r
    return caps, diffs, total


def junit(path):
    root = ET.parse(path).getroot()
    check(root.tag == "testsuites", f"{path}: root element {root.tag}")
    suite = root.find("testsuite")
    cases = {}
    for tc in suite.findall("testcase"):
        kind = "error" if tc.find("error") is not None else "failure" if tc.find("failure") is not None else "pass"
        node = tc.find(kind) if kind != "pass" else None
        cases[tc.get("name")] = (kind, node.get("type") if node is not None else None,
                                 node.get("message") if node is not None else None)
        float(tc.get("time"))
    check(int(suite.get("tests")) == len(cases), f"{path}: tests={suite.get('tests')} for {len(cases)} cases")
    check(int(suite.get("errors")) == sum(k == "error" for k, _, _ in cases.values()), f"{path}: errors attribute")
    check(int(suite.get("failures")) == sum(k == "failure" for k, _, _ in cases.values()), f"{path}: failures attribute")
    return cases


def without_times(caps):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in caps.values()]


def samples(tcpstate, repo):
    base = "tests/ci/baselines/samples"
    with tempfile.TemporaryDirectory() as tmp:
        xml = os.path.join(tmp, "junit.xml")
        rc, out, err = run(tcpstate, ["-j", "2", "--json", "--junit", xml, "--baseline-dir", base, "samples"], repo)
        caps, diffs, total = records(out)
        check(rc == 2, f"samples: exit {rc}, expected 2 (unreadable captures)\n{err}")
        committed = sorted(os.path.relpath(os.path.join(d, f), os.path.join(repo, base))[: -len(".baseline")]
                           for d, _, fs in os.walk(os.path.join(repo, base)) for f in fs)
        check(sorted(os.path.relpath(c, "samples") for c in caps) == committed,
              "samples: the captures found are not those with a committed baseline")
        for name, r in caps.items():
            check(r["baseline"] == "same", f"{name}: baseline {r['baseline']}")
            check(r["status"] == (2 if name in UNREADABLE else 0), f"{name}: status {r['status']}")
        check(not diffs, f"samples: differences {diffs}")
        check(total["captures"] == len(caps) and total["unreadable"] == len(UNREADABLE),
              f"samples: totals {total}")
        cases = junit(xml)
        check(set(cases) == set(caps), "samples: JUnit test cases are not the captures")
        for name, (kind, typ, _) in cases.items():
            want = ("error", "input") if name in UNREADABLE else ("pass", None)
            check((kind, typ) == want, f"JUnit {name}: {kind} {typ}, expected {want}")

        rc1, out1, _ = run(tcpstate, ["-j", "1", "--json", "--baseline-dir", base, "samples"], repo)
        check(rc1 == rc and without_times(records(out1)[0]) == without_times(caps),
              "samples: -j 1 and -j 2 summaries differ")

        written = os.path.join(tmp, "written")
        rc, _, err = run(tcpstate, ["--write-baselines", "--baseline-dir", written, "samples"], repo)
        cmp = filecmp.dircmp(os.path.join(repo, base), written)
        diff = []

        def walk(c, pre=""):
            diff.extend(pre + f for f in c.left_only + c.right_only + c.diff_files + c.funny_files)
            for n, sub in c.subdirs.items():
                walk(sub, pre + n + "/")
        walk(cmp)
        check(not diff, f"--write-baselines: files differ from the committed ones: {diff}")
        drift(tcpstate, repo, tmp)


def drift(tcpstate, repo, tmp):
    corpus = os.path.join(tmp, "corpus")
    os.makedirs(os.path.join(corpus, "sub"))
    shutil.copy(os.path.join(repo, "samples/three-conns.pcap"), os.path.join(corpus, "three-conns.pcap"))
    shutil.copy(os.path.join(repo, "samples/retrans/mix-client.pcap"), os.path.join(corpus, "sub/mix-client.pcap"))
    rc, out, err = run(tcpstate, ["--write-baselines", corpus], repo)
    check(rc == 0, f"drift: writing baselines: exit {rc}\n{err}")
    check(os.path.exists(os.path.join(corpus, "sub/mix-client.pcap.baseline")), "drift: no baseline beside the capture")
    rc, out, _ = run(tcpstate, ["--json", corpus], repo)
    check(rc == 0, f"drift: unchanged corpus: exit {rc}")
    # The capture changes: the server never closes 40011, and 40013's FIN comes again later.
    shutil.copy(os.path.join(repo, "tests/ci/three-conns-changed.pcap"), os.path.join(corpus, "three-conns.pcap"))
    xml = os.path.join(tmp, "drift.xml")
    rc, out, err = run(tcpstate, ["--json", "--junit", xml, corpus], repo)
    caps, diffs, _ = records(out)
    check(rc == 1, f"drift: exit {rc}, expected 1\n{err}")
    changed = os.path.join(corpus, "three-conns.pcap")
    check(caps[changed]["baseline"] == "differs" and caps[changed]["differences"] == 6,
          f"drift: {caps[changed]}")
    check(caps[os.path.join(corpus, "sub/mix-client.pcap")]["baseline"] == "same", "drift: the unchanged capture")
    got = [(d["connection"], d["role"], d["what"], d["finding"], d["expected"], d["got"]) for d in diffs]
    want = [
        ("10.77.0.1:40011 > 10.77.0.2:8080 #1", "initiator", "states", None,
         "CLOSED SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 TIME_WAIT", "CLOSED SYN_SENT ESTABLISHED FIN_WAIT_1 FIN_WAIT_2"),
        ("10.77.0.1:40011 > 10.77.0.2:8080 #1", "responder", "states", None,
         "LISTEN SYN_RCVD ESTABLISHED CLOSE_WAIT LAST_ACK CLOSED", "LISTEN SYN_RCVD ESTABLISHED CLOSE_WAIT"),
        ("10.77.0.1:40013 > 10.77.0.2:8080 #1", "initiator", "finding", "illegal_event", "0", "1"),
        ("10.77.0.1:40013 > 10.77.0.2:8080 #1", "initiator", "finding", "spurious_retransmission", "0", "1"),
        ("10.77.0.1:40013 > 10.77.0.2:8080 #1", "initiator", "finding", "ack_backwards", "0", "1"),
        ("10.77.0.1:40013 > 10.77.0.2:8080 #1", "initiator", "finding", "ts_backwards", "0", "1"),
    ]
    check(got == want, f"drift: differences\n  got  {got}\n  want {want}")
    cases = junit(xml)
    check(cases[changed] == ("failure", "baseline", "6 differences from its baseline"), f"drift JUnit: {cases[changed]}")
    rc, text, _ = run(tcpstate, [corpus], repo)
    check(f"{changed}:\n  baseline: 10.77.0.1:40011 > 10.77.0.2:8080 #1 initiator: states: expected" in text,
          "drift: the text summary does not show the differences under the capture's name")

    rc, out, _ = run(tcpstate, ["--json", "--fail-on", "capture-artefact", os.path.join(corpus, "sub")], repo)
    caps, _, _ = records(out)
    check(rc == 1 and caps[os.path.join(corpus, "sub/mix-client.pcap")]["policy"] == "fail",
          f"policy: exit {rc}, {caps}")


def shared(tcpstate, repo):
    corpus = os.path.normpath(os.path.join(repo, "..", "shared", "corpus"))
    if not os.path.isdir(corpus):
        print(f"SKIP: {corpus} does not exist (the shared corpus is not on this machine)")
        sys.exit(77)
    with tempfile.TemporaryDirectory() as tmp:
        xml = os.path.join(tmp, "junit.xml")
        rc, out, err = run(tcpstate, ["--json", "--junit", xml, "--baseline-dir", "tests/ci/baselines/shared",
                                      "../shared/corpus"], repo)
        caps, diffs, total = records(out)
        check(rc == 0, f"shared: exit {rc}\n{err}")
        check(len(caps) == 39, f"shared: {len(caps)} captures found, expected 39")
        for name, r in caps.items():
            check(r["baseline"] == "same", f"{name}: baseline {r['baseline']}")
        check(not diffs, f"shared: differences {diffs}")
        cases = junit(xml)
        check(all(k == "pass" for k, _, _ in cases.values()), "shared: JUnit has failures")


def main():
    tcpstate, repo, which = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    {"samples": samples, "shared": shared}[which](tcpstate, repo)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print(f"corpus {which}: all checks passed")


if __name__ == "__main__":
    main()
