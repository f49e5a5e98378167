#!/usr/bin/env python3
"""The benchmark harness (BENCHMARKS.md): compute limit with JMH, then the real server under wrk.

Run through bench/run.sh, which builds the jar and installs wrk. Everything measured in one run, on one
machine, lands in bench/results/<time>/ (results.json, results.md and the raw outputs).
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN_EMAIL = "bench-admin@bench.example"
ADMIN_PASSWORD = "bench-admin-password"


def http(method, url, token=None, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Server:
    """The fat jar, started as the README says, on a fresh data directory."""

    def __init__(self, jar, port, data_dir, extra_env, log_path):
        env = dict(os.environ)
        env.update({"MRI_HTTP_PORT": str(port), "MRI_DATA_DIR": data_dir, "MRI_ADMIN_EMAIL": ADMIN_EMAIL,
                    "MRI_ADMIN_PASSWORD": ADMIN_PASSWORD})
        env.update(extra_env)
        self.base = "http://127.0.0.1:%d" % port
        self.log = open(log_path, "w")
        # the README's command
        self.process = subprocess.Popen(["java", "-Xmx768m", "-jar", jar], cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self.data_dir = data_dir

    def wait_ready(self, seconds=180):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if http("GET", self.base + "/health/ready", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the server did not become ready")

    def rss_kib(self):
        return proc_rss(self.process.pid)

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.process.pid))

    def postgres_processes(self):
        """The embedded PostgreSQL: its postmaster (from postmaster.pid), then the postmaster's children."""
        try:
            with open(os.path.join(self.data_dir, "postgres", "postmaster.pid")) as f:
                postmaster = int(f.readline())
        except (OSError, ValueError):
            return []
        pids = [postmaster]
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/stat" % pid) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == postmaster:
                        pids.append(int(pid))
            except (OSError, ValueError, IndexError):
                pass
        return pids

    def postgres_rss_kib(self):
        return sum(measure_gone_as_zero(proc_pss, pid) for pid in self.postgres_processes())

    def cpu_seconds(self):
        """CPU time of the server process, every thread (TensorFlow's and OpenCV's native ones included)."""
        return proc_cpu(self.process.pid)

    def postgres_cpu_seconds(self):
        """CPU time of the embedded PostgreSQL: the postmaster (with its ended children) and its live children."""
        pids = self.postgres_processes()
        return sum(measure_gone_as_zero(proc_cpu, pid, ended_children=(i == 0)) for i, pid in enumerate(pids))

    def stop(self):
        self.process.terminate()
        try:
            return self.process.wait(60)
        finally:
            self.log.close()


def measure_gone_as_zero(measure, pid, **kwargs):
    """A process may end between being listed and being read: it then counts for nothing."""
    try:
        return measure(pid, **kwargs)
    except (OSError, ValueError, IndexError):
        return 0


def machine_cpu():
    """Jiffies of the whole machine from /proc/stat: (busy, steal, total)."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in f.readline().split()[1:9])
    return user + nice + system + irq + softirq, steal, user + nice + system + idle + iowait + irq + softirq + steal


def proc_cpu(pid, ended_children=False):
    """utime + stime of a process (and, if asked, of its waited-for children), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if ended_children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def proc_pss(pid):
    """Proportional set size: shared memory (PostgreSQL's buffers) counted once across its processes."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    """Samples the server's resident memory and open file descriptors while a scenario runs."""

    def __init__(self, server, period=0.5):
        super().__init__(daemon=True)
        self.server, self.period = server, period
        self.samples = []
        self.running = True

    def run(self):
        while self.running:
            try:
                self.samples.append((time.time(), self.server.rss_kib(), self.server.fds(), self.server.postgres_rss_kib()))
            except OSError:
                pass
            time.sleep(self.period)

    def stop(self):
        self.running = False
        self.join()
        return self.samples


def scrape(server, token):
    status, body = http("GET", server.base + "/metrics", token)
    if status != 200:
        raise RuntimeError("metrics: %d" % status)
    values = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def batch_sizes(before, after):
    sizes = {}
    previous = 0.0
    keys = sorted((float(re.search(r'le="([^"]+)"', k).group(1)), k) for k in after
                  if k.startswith("mri_inference_batch_size_bucket{") and "+Inf" not in k)
    for le, key in keys:
        cumulative = after[key] - before.get(key, 0.0)
        if cumulative - previous > 0:
            sizes["<=%d" % le] = int(cumulative - previous)
        previous = cumulative
    count = after.get("mri_inference_batch_size_count", 0) - before.get("mri_inference_batch_size_count", 0)
    total = after.get("mri_inference_batch_size_sum", 0) - before.get("mri_inference_batch_size_sum", 0)
    return {"batches": int(count), "mean": round(total / count, 2) if count else None, "histogram": sizes}


def wrk(script, args, connections, duration, base, path, out_dir, name, threads=1):
    command = ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%s" % duration, "--timeout", "10s",
               "--latency", "-s", script, base + path, "--"] + args
    started = time.time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.path.join(out_dir, name + ".wrk.txt"), "w") as f:
        f.write(" ".join(command) + "\n\n" + output)
    result = {"connections": connections, "seconds": round(time.time() - started, 1),
              "wrk_cpu_s": round(ended.ru_utime + ended.ru_stime - children.ru_utime - children.ru_stime, 1)}
    result["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    statuses = {int(c): int(n) for c, n in re.findall(r"^status (\d+) (\d+)$", output, re.M)}
    result["statuses"] = statuses
    for p, us in re.findall(r"^latency_us p([\d.]+) (\d+)$", output, re.M):
        result["p" + p + "_ms"] = round(int(us) / 1000, 2)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = sum(int(x) for x in errors.groups()) if errors else 0
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jar", default=os.path.join(ROOT, "target", "mri-classifier.jar"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--work", required=True, help="scratch folder for lists and tokens (not kept)")
    parser.add_argument("--images", default=os.path.join(ROOT, "..", "shared", "datasets", "brain-mri-7k", "train"))
    parser.add_argument("--duration", default="30s")
    parser.add_argument("--soak-seconds", type=int, default=600)
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--runners", default="1")
    parser.add_argument("--intra-op-threads", default="2")
    parser.add_argument("--jmh", default="")
    parser.add_argument("--env", action="append", default=[], metavar="MRI_X=Y",
                        help="extra server settings, e.g. MRI_MRI_MAX_CLASSIFICATIONS_IN_FLIGHT=24")
    parser.add_argument("--uploads-only", action="store_true", help="only the upload and overload scenarios")
    parser.add_argument("--peer", action="store_true",
                        help="also start ../shared/peer-original and measure it side by side with ours, interleaved")
    parser.add_argument("--compare-only", action="store_true", help="only the side-by-side comparison (with --peer)")
    parser.add_argument("--compare-duration", default="15s")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of each side-by-side scenario")
    parser.add_argument("--compare-warmup", default="5s",
                        help="an unmeasured upload round for each server before the side-by-side rounds (JIT, caches, "
                             "connections); 0 for none")
    parser.add_argument("--peer-port", type=int, default=5055)
    parser.add_argument("--distinct-images", type=int, default=0,
                        help="use this many images, evenly spread over the folder (0: all of them)")
    parser.add_argument("--profile", action="store_true",
                        help="record the server with JDK Flight Recorder during upload c=32 and GET /MRI/{id}")
    args = parser.parse_args()
    out = args.out
    os.makedirs(out, exist_ok=True)
    results = {"machine": machine(), "settings": vars(args)}
    PROFILE.update(work=args.work)
    if args.jmh:
        results["compute"] = compute_limit(args.jmh)

    images = sorted(os.path.join(d, f) for d, _, files in os.walk(args.images) for f in files
                    if f.lower().endswith((".jpg", ".jpeg", ".png")))
    if args.distinct_images and len(images) > args.distinct_images:
        step = len(images) / args.distinct_images
        images = [images[int(i * step)] for i in range(args.distinct_images)]
    image_list = os.path.join(args.work, "images.txt")
    with open(image_list, "w") as f:
        f.write("\n".join(images) + "\n")

    data_dir = tempfile.mkdtemp(prefix="mri-bench-")
    extra = {"MRI_INFERENCE_RUNNERS": args.runners, "MRI_INFERENCE_INTRA_OP_THREADS": args.intra_op_threads,
             # the whole run (about 20 minutes) on the tokens made at its start: 15-minute tokens would turn the
             # soak's last minutes into 401s
             "MRI_JWT_TTL_MINUTES": "120"}
    extra.update(dict(kv.split("=", 1) for kv in args.env))
    server = Server(args.jar, args.port, data_dir, extra,
                    os.path.join(out, "server.log"))
    peer = Peer(args.peer_port, os.path.join(out, "peer.log")) if args.peer else None
    try:
        if peer:
            peer.wait_ready()
        server.wait_ready()
        results["startup_rss_mib"] = round(server.rss_kib() / 1024)
        admin = login(server, ADMIN_EMAIL, ADMIN_PASSWORD)
        tokens = bench_users(server, admin, 8)
        token_file = os.path.join(args.work, "tokens.txt")
        with open(token_file, "w") as f:
            f.write("\n".join(tokens) + "\n")

        upload = os.path.join(ROOT, "bench", "upload.lua")
        get = os.path.join(ROOT, "bench", "get.lua")
        if peer:
            results["side_by_side"] = side_by_side(server, admin, peer, args, out, image_list, token_file, extra)
            print(side_by_side_report(results["side_by_side"], args.compare_duration), flush=True)
        if args.compare_only:
            args.soak_seconds = 0
        results["upload"] = {}
        for c in (() if args.compare_only else (1, 8, 32, 128)):
            results["upload"][c] = scenario(server, admin, out, "upload-c%d" % c, lambda: wrk(
                upload, [image_list, token_file, "c%d" % c], c, args.duration, server.base, "/MRI", out, "upload-c%d" % c))
            print("upload c=%d: %s" % (c, json.dumps(results["upload"][c])), flush=True)
        if args.compare_only:
            raise CompareOnly()
        # the same 128 clients, but retrying at once when refused: what clients that ignore Retry-After cost
        results["upload_impatient"] = scenario(server, admin, out, "upload-c128-impatient", lambda: wrk(
            upload, [image_list, token_file, "c128i", "impatient"], 128, args.duration, server.base, "/MRI", out,
            "upload-c128-impatient"))
        print("upload c=128, impatient: %s" % json.dumps(results["upload_impatient"]), flush=True)

        if args.uploads_only:
            results["get_one"] = results["get_page"] = None
        ids = [] if args.uploads_only else stored_ids(server, admin, 1000)
        id_file = os.path.join(args.work, "ids.txt")
        with open(id_file, "w") as f:
            f.write("\n".join(ids) + "\n")
        if not args.uploads_only:
            results["get_one"] = scenario(server, admin, out, "get-one", lambda: wrk(
                get, [id_file, token_file], 32, args.duration, server.base, "/MRI", out, "get-one"))
            print("GET /MRI/{id}: %s" % json.dumps(results["get_one"]), flush=True)
            results["get_page"] = scenario(server, admin, out, "get-page", lambda: wrk(
                get, ["page", token_file], 32, args.duration, server.base, "/MRI", out, "get-page"))
            print("GET /MRI: %s" % json.dumps(results["get_page"]), flush=True)

        # beyond capacity, nearly open loop: 1024 clients, each pausing a random (exponential) time before every
        # request, refused or not, so that together they offer about twice what the server completes at
        # concurrency 32 as a Poisson-like stream (the mean pause allows for the answer's time)
        capacity = results["upload"][32]["rps"]
        connections = 1024
        delay_ms = max(1, int(connections * 1000 / (2 * capacity) - results["upload"][32]["p50_ms"]))
        results["overload"] = scenario(server, admin, out, "overload", lambda: wrk(
            upload, [image_list, token_file, "overload", "think:%d" % delay_ms], connections, args.duration, server.base,
            "/MRI", out, "overload"))
        results["overload"]["offered_rps"] = results["overload"]["rps"]
        results["overload"]["offered_vs_capacity"] = round(results["overload"]["rps"] / capacity, 2)
        print("overload: %s" % json.dumps(results["overload"]), flush=True)

        if args.profile:
            # where the CPU goes, recorded in runs of their own: JFR's sampling slows the server a little, and the
            # figures above must not carry that
            results["profiled_runs"] = {"upload-c32-jfr": scenario(server, admin, out, "upload-c32-jfr", lambda: wrk(
                upload, [image_list, token_file, "c32jfr"], 32, args.duration, server.base, "/MRI", out, "upload-c32-jfr"))}
            if not args.uploads_only:
                results["profiled_runs"]["get-one-jfr"] = scenario(server, admin, out, "get-one-jfr", lambda: wrk(
                    get, [id_file, token_file], 32, args.duration, server.base, "/MRI", out, "get-one-jfr"))
            print("profiled runs: %s" % json.dumps(results["profiled_runs"]), flush=True)

        if args.soak_seconds > 0:
            results["soak"] = soak(server, admin, out, image_list, token_file, upload, args.soak_seconds)
            print("soak: %s" % json.dumps(results["soak"]), flush=True)
    except CompareOnly:
        pass
    finally:
        results["exit_code"] = server.stop()
        if peer:
            peer.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    if PROFILE["results"]:
        results["profile"] = PROFILE["results"]
    with open(os.path.join(out, "server.log")) as f:
        # Vert.x's blocked-thread checker: an event loop held for over 2 s, a worker over its limit
        results["blocked_thread_warnings"] = sum(1 for line in f if "has been blocked for" in line)

    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(report(results))
    print(report(results))


class CompareOnly(Exception):
    """Ends the run after the side-by-side comparison (--compare-only)."""


PEER_DIR = os.path.join(ROOT, "..", "shared", "peer-original")
PEER_PG = "/tmp/peer-pg"


class Peer:
    """The original's stand-in (../shared/peer-original: Flask + pandas + gunicorn, 2 sync workers, its own
    PostgreSQL 15), started with its own run.sh and never changed; its mri table is emptied at the start of a run so
    that both servers begin with no rows."""

    def __init__(self, port, log_path):
        env = dict(os.environ)
        env["PEER_PORT"] = str(port)
        self.base = "http://127.0.0.1:%d" % port
        self.log = open(log_path, "w")
        # run.sh starts PostgreSQL, then execs gunicorn: this pid is gunicorn's master
        self.process = subprocess.Popen([os.path.join(PEER_DIR, "run.sh")], cwd=PEER_DIR, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, seconds=120):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                # any answer will do: GET of an unknown id reads the (maybe missing) table
                http("GET", self.base + "/MRI/none", timeout=5)
                self.psql("drop table if exists mri")
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("the peer did not start (see peer.log)")

    def psql(self, sql):
        return subprocess.run(["su", "postgres", "-c", "psql -h 127.0.0.1 -p 55432 -tA peer -c \"%s\"" % sql],
                              capture_output=True, text=True, check=True).stdout

    def ids(self, n):
        return [line for line in self.psql("select id from mri limit %d" % n).split() if line]

    def processes(self):
        return [self.process.pid] + children(self.process.pid)

    def cpu_seconds(self):
        """gunicorn's master (with its ended workers) and its live workers."""
        return sum(measure_gone_as_zero(proc_cpu, pid, ended_children=(i == 0))
                   for i, pid in enumerate(self.processes()))

    def rss_kib(self):
        return sum(measure_gone_as_zero(proc_pss, pid) for pid in self.processes())

    def postgres_processes(self):
        try:
            with open(os.path.join(PEER_PG, "postmaster.pid")) as f:
                postmaster = int(f.readline())
        except (OSError, ValueError):
            return []
        return [postmaster] + children(postmaster)

    def postgres_cpu_seconds(self):
        pids = self.postgres_processes()
        return sum(measure_gone_as_zero(proc_cpu, pid, ended_children=(i == 0)) for i, pid in enumerate(pids))

    def postgres_rss_kib(self):
        return sum(measure_gone_as_zero(proc_pss, pid) for pid in self.postgres_processes())

    def fds(self):
        return sum(len(os.listdir("/proc/%d/fd" % pid)) for pid in self.processes())

    def stop(self):
        try:
            self.process.terminate()
            self.process.wait(30)
        finally:
            self.log.close()
            subprocess.run(["su", "postgres", "-c", "/usr/lib/postgresql/15/bin/pg_ctl -D %s stop -m fast" % PEER_PG],
                           capture_output=True)


def children(parent):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(pid))
        except (OSError, ValueError, IndexError):
            pass
    return found


def measured(target, run):
    """A wrk run against either server, with the CPU time of its process (and database) and its memory."""
    cpu_before = (time.time(), target.cpu_seconds(), target.postgres_cpu_seconds(), machine_cpu())
    sampler = Sampler(target)
    sampler.start()
    result = run()
    samples = sampler.stop()
    cpu_after = (time.time(), target.cpu_seconds(), target.postgres_cpu_seconds(), machine_cpu())
    wall = cpu_after[0] - cpu_before[0]
    busy, steal, total = (a - b for a, b in zip(cpu_after[3], cpu_before[3]))
    result["server_cpu_s"] = round(cpu_after[1] - cpu_before[1], 2)
    result["db_cpu_s"] = round(cpu_after[2] - cpu_before[2], 2)
    result["cores_used"] = {"server": round(result["server_cpu_s"] / wall, 2), "db": round(result["db_cpu_s"] / wall, 2),
                            "wrk": round(result["wrk_cpu_s"] / wall, 2),
                            "machine": round(os.cpu_count() * busy / max(1, total), 2),
                            "stolen": round(os.cpu_count() * steal / max(1, total), 2)}
    ok = result["statuses"].get(201, 0) or result["statuses"].get(200, 0)
    result["ok"] = ok
    result["ok_per_s"] = round(ok / result["seconds"], 1)
    result["server_cpu_ms_per_ok"] = round(1000 * result["server_cpu_s"] / ok, 2) if ok else None
    result["server_and_db_cpu_ms_per_ok"] = round(1000 * (result["server_cpu_s"] + result["db_cpu_s"]) / ok, 2) if ok else None
    result["rss_max_mib"] = round(max(s[1] for s in samples) / 1024) if samples else None
    result["db_rss_max_mib"] = round(max(s[3] for s in samples) / 1024) if samples else None
    return result


def rounded(value):
    return None if value is None else (round(value, 2) if value < 10 else round(value, 1))


def median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def side_by_side(server, admin, peer, args, out, image_list, token_file, extra):
    """Ours and the original's stand-in on the same images, in the same run, interleaved round by round:
    POST /MRI at 32 polite clients, GET /MRI/{id} at 32, and 128 clients that ignore Retry-After."""
    upload = os.path.join(ROOT, "bench", "upload.lua")
    get = os.path.join(ROOT, "bench", "get.lua")
    d = args.compare_duration
    rows = {"upload_c32": {"ours": [], "peer": []}, "get_one": {"ours": [], "peer": []},
            "storm_c128": {"ours": [], "peer": []}}

    def run(name, who, target, script, script_args, connections, path="/MRI"):
        label = "%s-%s-r%d" % (name, who, len(rows[name][who]) + 1)
        result = measured(target, lambda: wrk(script, script_args, connections, d, target.base, path, out, label))
        rows[name][who].append(result)
        print("%s: %s" % (label, json.dumps(result)), flush=True)

    if args.compare_warmup not in ("0", "0s", ""):
        # both servers equally: the first measured round must not be the one where our JIT compiles the upload path
        # or where the stand-in's workers import and warm their caches
        wrk(upload, [image_list, token_file, "sbswarm"], 32, args.compare_warmup, server.base, "/MRI", out, "warmup-upload-ours")
        wrk(upload, [image_list, "none", "peerwarm", "polite", "image"], 32, args.compare_warmup, peer.base, "/MRI", out,
            "warmup-upload-peer")
    for r in range(args.rounds):
        run("upload_c32", "ours", server, upload, [image_list, token_file, "sbs%d" % r], 32)
        run("upload_c32", "peer", peer, upload, [image_list, "none", "peer%d" % r, "polite", "image"], 32)
    ours_ids = os.path.join(args.work, "sbs-ids.txt")
    with open(ours_ids, "w") as f:
        f.write("\n".join(stored_ids(server, admin, 1000)) + "\n")
    peer_ids = os.path.join(args.work, "peer-ids.txt")
    with open(peer_ids, "w") as f:
        f.write("\n".join(peer.ids(1000)) + "\n")
    for r in range(args.rounds):
        run("get_one", "ours", server, get, [ours_ids, token_file], 32)
        run("get_one", "peer", peer, get, [peer_ids, "none"], 32)
    for r in range(args.rounds):
        run("storm_c128", "ours", server, upload, [image_list, token_file, "storm%d" % r, "impatient"], 128)
        run("storm_c128", "peer", peer, upload, [image_list, "none", "pstorm%d" % r, "impatient", "image"], 128)

    if args.profile:
        # where our server's CPU goes, in runs of their own (JFR's sampling slows it a little)
        for name, script_args, connections in (("upload-c32-jfr", [image_list, token_file, "jfr32"], 32),
                                               ("storm-c128-jfr", [image_list, token_file, "jfrstorm", "impatient"], 128)):
            run_result = scenario(server, admin, out, name, lambda: wrk(upload, script_args, connections, d, server.base,
                                                                         "/MRI", out, name))
            print("%s: %s" % (name, json.dumps(run_result)), flush=True)
    summary = {}
    for name, sides in rows.items():
        summary[name] = {}
        for who, results in sides.items():
            summary[name][who] = {key: rounded(median([x.get(key) for x in results])) for key in
                                  ("ok_per_s", "rps", "p50_ms", "p99_ms", "server_cpu_ms_per_ok",
                                   "server_and_db_cpu_ms_per_ok", "rss_max_mib", "db_rss_max_mib")}
            summary[name][who]["rounds_ok_per_s"] = [x["ok_per_s"] for x in results]
            summary[name][who]["statuses"] = [x["statuses"] for x in results]
    summary["refusals_only"] = refusal_cost(args, out, image_list, extra)
    polite, storm = summary["upload_c32"]["ours"]["ok_per_s"], summary["storm_c128"]["ours"]["ok_per_s"]
    summary["storm_goodput_vs_polite"] = round(storm / polite, 2) if polite and storm is not None else None
    return {"rounds": rows, "summary": summary}


def refusal_cost(args, out, image_list, extra):
    """What one refusal costs, measured directly: a second server (same jar, own data directory) with no
    classification capacity and no pacing, so that every upload is refused before its body is read (503) as fast as
    32 clients that ignore Retry-After can ask; its CPU, less its idle CPU over as long, per refusal."""
    data_dir = tempfile.mkdtemp(prefix="mri-bench-refusals-")
    env = dict(extra)
    env.update({"MRI_MRI_MAX_CLASSIFICATIONS_IN_FLIGHT": "0", "MRI_MRI_PACE_IMPATIENT_REFUSALS": "false"})
    server = Server(args.jar, args.port + 1, data_dir, env, os.path.join(out, "server-refusals.log"))
    try:
        server.wait_ready()
        admin = login(server, ADMIN_EMAIL, ADMIN_PASSWORD)
        token_file = os.path.join(args.work, "refusal-tokens.txt")
        with open(token_file, "w") as f:
            f.write("\n".join(bench_users(server, admin, 8)) + "\n")
        upload = os.path.join(ROOT, "bench", "upload.lua")
        # warm-up, not measured: the JIT compiles the refusal path (its threads count in the process's CPU time)
        wrk(upload, [image_list, token_file, "warmup", "impatient"], 32, args.compare_duration, server.base, "/MRI",
            out, "refusals-warmup")
        time.sleep(2)
        idle_started, idle_cpu = time.time(), server.cpu_seconds()
        time.sleep(5)
        idle_rate = (server.cpu_seconds() - idle_cpu) / (time.time() - idle_started)
        result = measured(server, lambda: wrk(upload, [image_list, token_file, "refusals", "impatient"], 32,
                                              args.compare_duration, server.base, "/MRI", out, "refusals-only"))
        refused = result["statuses"].get(503, 0)
        result["idle_cores"] = round(idle_rate, 3)
        result["refused_per_s"] = round(refused / result["seconds"], 1)
        busy = result["server_cpu_s"] - idle_rate * result["seconds"]
        result["server_cpu_ms_per_refusal"] = round(1000 * busy / refused, 3) if refused else None
        print("refusals only: %s" % json.dumps(result), flush=True)
        return result
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def ratio(a, b):
    return "%.1fx" % (a / b) if a is not None and b else "n/a"


def side_by_side_report(sbs, duration):
    s = sbs["summary"]
    lines = ["## Side by side: ours and the original's stand-in (../shared/peer-original), interleaved", "",
             "Medians of %d rounds of %s each, ours and the stand-in taking turns on the same images. Server CPU is the "
             "process's own CPU time (/proc/PID/stat; gunicorn's master and workers for the stand-in) per answered 201 "
             "(200 for GET); +db adds its PostgreSQL's." % (len(sbs["rounds"]["upload_c32"]["ours"]), duration), "",
             "| scenario | ours ok/s | stand-in ok/s | ratio | ours p50 / p99 ms | stand-in p50 / p99 ms "
             "| ours CPU ms per ok (+db) | stand-in CPU ms per ok (+db) | ours RSS MiB (db) | stand-in RSS MiB (db) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    names = {"upload_c32": "POST /MRI, 32 clients", "get_one": "GET /MRI/{id}, 32 clients",
             "storm_c128": "POST /MRI, 128 clients ignoring Retry-After"}
    for name, title in names.items():
        o, p = s[name]["ours"], s[name]["peer"]
        lines.append("| %s | %s %s | %s %s | **%s** | %s / %s | %s / %s | %s (%s) | %s (%s) | %s (%s) | %s (%s) |" % (
            title, o["ok_per_s"], o["rounds_ok_per_s"], p["ok_per_s"], p["rounds_ok_per_s"],
            ratio(o["ok_per_s"], p["ok_per_s"]), o["p50_ms"], o["p99_ms"], p["p50_ms"], p["p99_ms"],
            o["server_cpu_ms_per_ok"], o["server_and_db_cpu_ms_per_ok"], p["server_cpu_ms_per_ok"],
            p["server_and_db_cpu_ms_per_ok"], o["rss_max_mib"], o["db_rss_max_mib"], p["rss_max_mib"], p["db_rss_max_mib"]))
    lines += ["", "Statuses per round: " + "; ".join("%s %s: %s" % (name, who, s[name][who]["statuses"])
                                                 for name in names for who in ("ours", "peer")),
              "", "Accepted uploads per second in the storm: %s of the polite 32-client figure." % s["storm_goodput_vs_polite"]]
    r = s.get("refusals_only")
    if r:
        lines += ["", "Refusals alone (a second server with no classification capacity and no pacing, 32 clients "
                  "ignoring Retry-After, every upload refused with 503 before its body is read; after a warm-up as long): %s refusals/s, "
                  "**%s ms of server CPU per refusal** (its CPU less its idle %s cores), server %s cores, wrk %s, "
                  "machine %s." % (r["refused_per_s"], r["server_cpu_ms_per_refusal"], r["idle_cores"],
                                   r["cores_used"]["server"], r["cores_used"]["wrk"], r["cores_used"]["machine"])]
    return "\n".join(lines) + "\n"


PROFILE = {"work": None, "results": {}}


def scenario(server, admin, out, name, run):
    profiled = name in ("upload-c32-jfr", "get-one-jfr", "storm-c128-jfr")
    if profiled:
        jfr = os.path.join(PROFILE["work"], name + ".jfr")
        subprocess.run(["jcmd", str(server.process.pid), "JFR.start", "name=" + name, "settings=" + jfr_settings(),
                        "filename=" + jfr], check=True, capture_output=True)
    before = scrape(server, admin)
    cpu_before = (time.time(), server.cpu_seconds(), server.postgres_cpu_seconds(), machine_cpu())
    sampler = Sampler(server)
    sampler.start()
    result = run()
    samples = sampler.stop()
    cpu_after = (time.time(), server.cpu_seconds(), server.postgres_cpu_seconds(), machine_cpu())
    after = scrape(server, admin)
    # who used the machine's cores: the server, its database, the load generator (all on the same 2 cores)
    wall = cpu_after[0] - cpu_before[0]
    result["cores_used"] = {"server": round((cpu_after[1] - cpu_before[1]) / wall, 2),
                            "postgres": round((cpu_after[2] - cpu_before[2]) / wall, 2),
                            "wrk": round(result["wrk_cpu_s"] / wall, 2)}
    # and the whole machine, other tenants included: busy cores, and cores the hypervisor took (steal)
    busy, steal, total = (a - b for a, b in zip(cpu_after[3], cpu_before[3]))
    cores = os.cpu_count()
    result["cores_used"]["machine"] = round(cores * busy / max(1, total), 2)
    result["cores_used"]["stolen"] = round(cores * steal / max(1, total), 2)
    result["server_cpu_s"] = round(cpu_after[1] - cpu_before[1], 1)
    if profiled:
        subprocess.run(["jcmd", str(server.process.pid), "JFR.stop", "name=" + name], check=True, capture_output=True)
        PROFILE["results"][name] = profile_summary(jfr, out, name)
    result["rss_max_mib"] = round(max(s[1] for s in samples) / 1024) if samples else None
    result["postgres_rss_max_mib"] = round(max(s[3] for s in samples) / 1024) if samples else None
    result["fds_max"] = max(s[2] for s in samples) if samples else None
    result["batch_sizes"] = batch_sizes(before, after)
    for route, code in (("/MRI", "201"), ("/MRI", "503"), ("/MRI", "429"), ("/MRI/:id", "200"), ("/MRI", "200")):
        q = server_side(before, after, "vertx_http_server_response_time_seconds", code, route)
        if q["count"]:
            result["server_%s_%s" % (route, code)] = q
    return result


def server_side(before, after, prefix, code, route):
    buckets = {}
    for key, value in after.items():
        if key.startswith(prefix + "_bucket{") and 'code="%s"' % code in key and 'route="%s"' % route in key:
            le = re.search(r'le="([^"]+)"', key).group(1)
            if le != "+Inf":
                buckets[float(le)] = buckets.get(float(le), 0) + value - before.get(key, 0.0)
    ordered = sorted(buckets.items())
    total = ordered[-1][1] if ordered else 0
    out = {"count": int(total)}
    for q in (0.5, 0.99):
        out["p%g_ms" % (q * 100)] = next((round(le * 1000, 1) for le, n in ordered if total and n >= q * total), None)
    return out


def soak(server, admin, out, image_list, token_file, upload, seconds):
    sampler = Sampler(server, period=5)
    sampler.start()
    result = wrk(upload, [image_list, token_file, "soak"], 8, "%ds" % seconds, server.base, "/MRI", out, "soak")
    samples = sampler.stop()
    with open(os.path.join(out, "soak-samples.csv"), "w") as f:
        f.write("seconds,rss_mib,fds,postgres_rss_mib\n")
        t0 = samples[0][0]
        for t, rss, fds, pg in samples:
            f.write("%d,%d,%d,%d\n" % (t - t0, rss / 1024, fds, pg / 1024))
    fifth = max(1, len(samples) // 5)
    first, last = samples[:fifth], samples[-fifth:]
    result["rss_first_fifth_max_mib"] = round(max(s[1] for s in first) / 1024)
    result["rss_last_fifth_max_mib"] = round(max(s[1] for s in last) / 1024)
    result["fds_first_fifth_max"] = max(s[2] for s in first)
    result["fds_last_fifth_max"] = max(s[2] for s in last)
    return result


def jfr_settings():
    """JFR's profile settings, sampling every 2 ms (Java) and 5 ms (native) instead of 10 and 20: a 15 s run on
    2 busy cores otherwise gives too few samples to rank frames."""
    path = os.path.join(PROFILE["work"], "dense.jfc")
    if not os.path.exists(path):
        java_home = os.path.dirname(os.path.dirname(os.path.realpath(shutil.which("java"))))
        with open(os.path.join(java_home, "lib", "jfr", "profile.jfc")) as f:
            text = f.read()
        text = text.replace('control="method-sampling-java-interval">10 ms', 'control="method-sampling-java-interval">2 ms')
        text = text.replace('control="method-sampling-native-interval">20 ms', 'control="method-sampling-native-interval">5 ms')
        with open(path, "w") as f:
            f.write(text)
    return path


def profile_summary(jfr, out, name):
    """Where the server's CPU went: JFR samples of Java code on CPU and of threads inside native code (TensorFlow,
    OpenCV), minus threads idling in the kernel; each sample is put in the area of its innermost frame that belongs
    to a library or to the server (JDK frames count for whoever called them)."""
    text = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample,jdk.NativeMethodSample",
                           "--stack-depth", "64", jfr], capture_output=True, text=True, check=True).stdout
    counts, areas, total, inclusive = {}, {}, 0, {}
    for event in text.split("jdk.")[1:]:
        frames = re.findall(r"^\s+([\w.$<>]+)\(", event, re.M)
        if not frames or re.search(r"epollWait|EPoll\.wait|Selector|Object\.wait|Unsafe\.park|Thread\.sleep|accept0|socketRead",
                                   frames[0]):
            continue
        total += 1
        counts[frames[0]] = counts.get(frames[0], 0) + 1
        # every method on the stack once: where the time goes including what it calls
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + 1
        area = "JDK"
        for frame in frames:
            match = next((label for prefix, label in AREAS if frame.startswith(prefix)), None)
            if match:
                area = match
                break
        areas[area] = areas.get(area, 0) + 1
    total = max(1, total)
    with open(os.path.join(out, "profile-%s.txt" % name), "w") as f:
        f.write("JFR samples: %d\n\nby area:\n" % total)
        for area, n in sorted(areas.items(), key=lambda kv: -kv[1]):
            f.write("%6.1f%%  %s\n" % (100.0 * n / total, area))
        f.write("\ntop frames:\n")
        for method, n in sorted(counts.items(), key=lambda kv: -kv[1])[:25]:
            f.write("%6.1f%%  %s\n" % (100.0 * n / total, method))
        f.write("\nour own methods, including what they call (stacks cut at 64 frames):\n")
        ours = [(m, n) for m, n in inclusive.items() if m.startswith("org.mriclassifier")]
        for method, n in sorted(ours, key=lambda kv: -kv[1])[:25]:
            f.write("%6.1f%%  %s\n" % (100.0 * n / total, method))
    return {"samples": total, "areas_pct": {a: round(100.0 * n / total, 1) for a, n in areas.items()}}


AREAS = [("org.tensorflow", "TensorFlow (native inference)"), ("org.opencv", "OpenCV (native decode, preprocessing)"),
         ("io.vertx.pgclient", "PostgreSQL client"), ("io.vertx.sqlclient", "PostgreSQL client"),
         ("io.netty", "Netty (network I/O, HTTP codec)"), ("io.vertx.openapi", "contract validation"),
         ("io.vertx.json", "JSON (Vert.x)"), ("com.fasterxml.jackson", "JSON (Jackson)"), ("io.vertx.ext.auth", "JWT"),
         ("io.vertx.ext.web", "router"), ("io.vertx.core.eventbus", "event bus"), ("io.vertx.core.http", "HTTP server"),
         ("io.vertx.core", "Vert.x core"), ("io.vertx.micrometer", "metrics"), ("io.micrometer", "metrics"),
         ("ch.qos.logback", "logging"), ("org.mriclassifier.vision", "server: image checks, SHA-256"),
         ("org.mriclassifier", "server code"), ("at.favre", "bcrypt")]


def login(server, email, password):
    status, body = http("POST", server.base + "/login", body={"email": email, "password": password})
    if status != 200:
        raise RuntimeError("login %d %s" % (status, body))
    return json.loads(body)["access_token"]


def bench_users(server, admin, n):
    tokens = []
    for i in range(n):
        name = "bench-%d" % i
        password = "bench-password-%d" % i
        http("POST", server.base + "/users", admin, {"user_name": name, "user_email": name + "@bench.example",
                                                     "user_password": password, "user_hospital": "bench",
                                                     "user_role": "admin"})
        tokens.append(login(server, name + "@bench.example", password))
    return tokens


def stored_ids(server, admin, n):
    ids, cursor = [], None
    while len(ids) < n:
        status, body = http("GET", server.base + "/MRI?limit=100" + ("&cursor=" + cursor if cursor else ""), admin)
        page = json.loads(body)
        ids += [row["id"] for row in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return ids


def compute_limit(jmh_json):
    with open(jmh_json) as f:
        runs = json.load(f)
    per_image_us = {}
    preprocess = []
    for run in runs:
        name = run["benchmark"].rsplit(".", 1)[1]
        batch = int(run["params"]["batch"])
        score = run["primaryMetric"]["score"]
        if name == "preprocessOneImage":
            preprocess.append(score)
        else:
            per_image_us[batch] = {"batch_us": round(score, 1), "per_image_us": round(score / batch, 1)}
    pre = sum(preprocess) / len(preprocess)
    cores = os.cpu_count()
    best = min(v["per_image_us"] for v in per_image_us.values())
    limit = cores * 1e6 / (pre + best)
    return {"preprocess_us_per_image": round(pre, 1), "inference": per_image_us, "cores": cores,
            "classifications_per_second_limit": round(limit, 1)}


def machine():
    with open("/proc/cpuinfo") as f:
        model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    return {"cpu": model, "cores": os.cpu_count(), "java": subprocess.run(["java", "-version"], capture_output=True,
                                                                           text=True).stderr.splitlines()[0]}


def report(r):
    lines = ["# Benchmark results", "", "Machine: %s, %d cores; %s" % (r["machine"]["cpu"], r["machine"]["cores"],
                                                                         r["machine"]["java"]), ""]
    c = r.get("compute")
    if c:
        lines += ["## Compute limit (JMH, one thread)", "",
                  "| work | time |", "|---|---|",
                  "| decode + checks + SHA-256 + preprocessing, per image | %.0f us |" % c["preprocess_us_per_image"]]
        for batch, v in sorted(c["inference"].items(), key=lambda kv: int(kv[0])):
            lines.append("| inference, batch %s | %.0f us per batch, %.0f us per image |" % (batch, v["batch_us"], v["per_image_us"]))
        lines += ["", "Most classifications per second on %d cores: **%.0f**" % (c["cores"], c["classifications_per_second_limit"]), ""]
    if r.get("side_by_side"):
        lines += [side_by_side_report(r["side_by_side"], r["settings"]["compare_duration"])]
    if not r.get("upload"):
        return "\n".join(lines) + "\n"
    lines += ["## POST /MRI under wrk", "",
              "| clients | req/s | p50 ms | p99 ms | statuses | mean batch | server RSS MiB | FDs "
              "| cores used: server / PostgreSQL / wrk / whole machine (stolen) | server CPU ms per 201 |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    rows = [(str(conc), u) for conc, u in sorted(r["upload"].items(), key=lambda kv: int(kv[0]))]
    if r.get("upload_impatient"):
        rows.append(("128, ignoring Retry-After", r["upload_impatient"]))
    for label, u in rows:
        cores = u.get("cores_used", {})
        per = 1000.0 * u["server_cpu_s"] / u["statuses"][201] if u.get("server_cpu_s") and u["statuses"].get(201) else None
        lines.append("| %s | %.1f | %s | %s | %s | %s | %s | %s | %s / %s / %s / %s (%s) | %s |" % (
            label, u["rps"], u.get("p50_ms"), u.get("p99_ms"), u["statuses"], u["batch_sizes"]["mean"],
            u["rss_max_mib"], u["fds_max"], cores.get("server"), cores.get("postgres"), cores.get("wrk"),
            cores.get("machine"), cores.get("stolen"),
            "%.1f" % per if per else "-"))
    lines += ["", "Clients honour Retry-After unless the row says otherwise. Accepted uploads, server side "
              "(from /metrics): " + "; ".join("%s: %s" % (label, u.get("server_/MRI_201")) for label, u in rows)]
    for key, title in (("get_one", "GET /MRI/{id}"), ("get_page", "GET /MRI (50 rows + summary)")):
        g = r.get(key)
        if not g:
            continue
        lines += ["", "## %s, 32 connections" % title, "",
                  "%.0f req/s, p50 %s ms, p99 %s ms, statuses %s, RSS %s MiB; cores used: %s" % (
                      g["rps"], g.get("p50_ms"), g.get("p99_ms"), g["statuses"], g["rss_max_mib"], g.get("cores_used"))]
    o = r["overload"]
    lines += ["", "## Overload (1024 clients pausing at random: %.0f req/s offered, %.1fx the throughput at concurrency 32)" % (
        o["offered_rps"], o["offered_vs_capacity"]), "",
              "statuses %s; accepted (server side): %s; refused (server side): %s; RSS %s MiB; cores used: %s" % (
                  o["statuses"], o.get("server_/MRI_201"), o.get("server_/MRI_503"), o["rss_max_mib"],
                  o.get("cores_used"))]
    s = r.get("soak")
    if s:
        lines += ["", "## Soak (%s s of uploads at concurrency 8)" % s["seconds"], "",
                  "%.1f req/s, statuses %s; RSS max first fifth %s MiB, last fifth %s MiB; FDs %s then %s" % (
                      s["rps"], s["statuses"], s["rss_first_fifth_max_mib"], s["rss_last_fifth_max_mib"],
                      s["fds_first_fifth_max"], s["fds_last_fifth_max"])]
    lines += ["", "Blocked-thread warnings in the server log: %d" % r.get("blocked_thread_warnings", 0)]
    for name, profile in (r.get("profile") or {}).items():
        run = (r.get("profiled_runs") or {}).get(name, {})
        lines += ["", "## Where the server's CPU went during %s (JFR, innermost library or server frame of each sample)"
                  % name, "", "A run of its own under JFR: %s req/s, p99 %s ms, %s JFR samples." % (
                      run.get("rps"), run.get("p99_ms"), profile.get("samples")), "",
                  "| area | share of samples |", "|---|---|"]
        for area, pct in sorted(profile["areas_pct"].items(), key=lambda kv: -kv[1]):
            lines.append("| %s | %.1f%% |" % (area, pct))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
