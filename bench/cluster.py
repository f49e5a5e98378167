#!/usr/bin/env python3
"""The cost of the event-bus hop (issue 15, BENCHMARKS.md "Cluster"): POST /MRI under wrk (bench/upload.lua, the
same images) through one `all` node, through an api node with one inference node on this machine, and with two
inference nodes; the same jar, one PostgreSQL (Debian's, started here in a temporary directory), the event bus over
mutual TLS with a key made here. Reports throughput, latency, the answers by status and the CPU time of every JVM
per stored upload. Run by bench/cluster.sh (which builds the jar first).
"""
import argparse
import glob
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

PG_BIN = "/usr/lib/postgresql/15/bin"
ADMIN_EMAIL = "bench@cluster.example"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, token=None, body=None, timeout=30):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except OSError:
        return 0.0


class Postgres:
    def __init__(self, work):
        self.dir = os.path.join(work, "pg")
        self.port = free_port()
        os.makedirs(self.dir)
        shutil.chown(work, "postgres")
        shutil.chown(self.dir, "postgres")
        self.su("%s/initdb -D %s -U postgres --auth=trust >/dev/null" % (PG_BIN, self.dir))
        self.su("%s/pg_ctl -D %s -o '-p %d -k %s -c max_connections=200' -w start >/dev/null"
                % (PG_BIN, self.dir, self.port, self.dir))

    @staticmethod
    def su(command):
        subprocess.run(["su", "postgres", "-c", command], check=True)

    def database(self, name):
        self.su("%s/psql -h %s -p %d -U postgres -qc 'CREATE DATABASE %s' >/dev/null" % (PG_BIN, self.dir, self.port, name))
        return "postgresql://postgres:unused@127.0.0.1:%d/%s" % (self.port, name)

    def stop(self):
        subprocess.run(["su", "postgres", "-c", "%s/pg_ctl -D %s stop -m fast" % (PG_BIN, self.dir)], capture_output=True)


class Node:
    def __init__(self, jar, role, env, log_dir, name, heap):
        self.role = role
        self.env = env
        self.port = int(env["MRI_HTTP_PORT"])
        self.log = open(os.path.join(log_dir, name + ".log"), "w")
        full = {k: v for k, v in os.environ.items() if not k.startswith("MRI_")}
        full.update(env)
        self.process = subprocess.Popen(["java", "-Xmx" + heap, "-jar", jar, "serve"], env=full,
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wait_ready(api, inference_nodes, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if api.process.poll() is not None:
            raise SystemExit("the %s node exited; see its log" % api.role)
        try:
            status, body = http("GET", api.url("/health/ready"), timeout=5)
            if status == 200:
                model = [c for c in body["checks"] if c["id"] == "model"][0].get("data", {})
                if inference_nodes == 0 or len(model.get("inference_nodes", [])) == inference_nodes:
                    return
        except (OSError, ValueError):
            pass
        time.sleep(1)
    raise SystemExit("not ready after %d s" % timeout)


def wrk(script, args, connections, duration, base, out_path):
    command = ["wrk", "-t1", "-c%d" % connections, "-d%s" % duration, "--timeout", "20s", "--latency", "-s", script,
               base + "/MRI", "--"] + args
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    with open(out_path, "w") as f:
        f.write(" ".join(command) + "\n\n" + output)
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
              "statuses": {int(c): int(n) for c, n in re.findall(r"^status (\d+) (\d+)$", output, re.M)}}
    for p, us in re.findall(r"^latency_us p([\d.]+) (\d+)$", output, re.M):
        result["p" + p + "_ms"] = round(int(us) / 1000, 1)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jar", default="target/mri-classifier.jar")
    parser.add_argument("--duration", default="30s")
    parser.add_argument("--warmup", default="10s")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--images", default="../shared/datasets/brain-mri-253")
    parser.add_argument("--distinct-images", type=int, default=64)
    parser.add_argument("--heap", default="512m")
    parser.add_argument("--nodes", default="0,1,2", help="the scenarios: inference nodes behind the api node (0: one all node)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="mri-cluster-bench-")
    jar = os.path.abspath(args.jar)
    images = sorted(glob.glob(os.path.join(args.images, "**", "*.jpg"), recursive=True))[:args.distinct_images]
    if not images:
        raise SystemExit("no .jpg under " + args.images)
    image_list = os.path.join(work, "images.txt")
    with open(image_list, "w") as f:
        f.write("\n".join(os.path.abspath(p) for p in images) + "\n")
    password = secrets.token_hex(16)
    keystore = os.path.join(work, "cluster.p12")
    subprocess.run(["keytool", "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=mri-bench", "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                    "-keystore", keystore, "-storepass", password, "-keypass", password],
                   check=True, capture_output=True)
    jwt = secrets.token_urlsafe(48)
    admin_password = secrets.token_urlsafe(18)
    pg = Postgres(work)
    here = os.path.dirname(os.path.abspath(__file__))
    results = []
    try:
        for run, inference_nodes in enumerate(int(n) for n in args.nodes.split(",")):
            name = "all" if inference_nodes == 0 else "api + %d inference" % inference_nodes
            db = pg.database("bench_%d" % run)
            members = [free_port() for _ in range(inference_nodes + 1)]
            base = {"MRI_DB_URL": db, "MRI_JWT_KEY": jwt, "MRI_ADMIN_EMAIL": ADMIN_EMAIL,
                    "MRI_ADMIN_PASSWORD": admin_password, "MRI_MODEL_DIR": os.path.abspath("model/default")}
            cluster = {"MRI_CLUSTER_ENABLED": "true", "MRI_CLUSTER_HOST": "127.0.0.1", "MRI_CLUSTER_NAME": "bench",
                       "MRI_CLUSTER_MEMBERS": ",".join("127.0.0.1:%d" % p for p in members),
                       "MRI_CLUSTER_KEYSTORE": keystore, "MRI_CLUSTER_KEYSTORE_PASSWORD": password}
            nodes = []
            for i in range(inference_nodes):
                env = dict(base, **cluster, MRI_ROLE="inference", MRI_CLUSTER_PORT=str(members[i + 1]),
                           MRI_CLUSTER_BUS_PORT=str(free_port()), MRI_HTTP_PORT=str(free_port()),
                           MRI_DATA_DIR=os.path.join(work, "inference-%d-%d" % (run, i)))
                nodes.append(Node(jar, "inference", env, args.out, "%d-inference-%d" % (run, i), args.heap))
            env = dict(base, MRI_HTTP_PORT=str(free_port()), MRI_DATA_DIR=os.path.join(work, "api-%d" % run))
            if inference_nodes:
                env.update(cluster, MRI_ROLE="api", MRI_CLUSTER_PORT=str(members[0]), MRI_CLUSTER_BUS_PORT=str(free_port()))
            api = Node(jar, "api" if inference_nodes else "all", env, args.out, "%d-api" % run, args.heap)
            nodes.append(api)
            try:
                wait_ready(api, inference_nodes)
                status, body = http("POST", api.url("/login"), body={"email": ADMIN_EMAIL, "password": admin_password})
                token_file = os.path.join(work, "token-%d.txt" % run)
                with open(token_file, "w") as f:
                    f.write(body["access_token"] + "\n")
                script = os.path.join(here, "upload.lua")
                wrk(script, [image_list, token_file, "warm%d" % run], args.connections, args.warmup,
                    api.url(""), os.path.join(args.out, "%d-warmup.wrk.txt" % run))
                cpu_before = {n.process.pid: cpu_seconds(n.process.pid) for n in nodes}
                started = time.time()
                result = wrk(script, [image_list, token_file, "run%d" % run], args.connections,
                             args.duration, api.url(""), os.path.join(args.out, "%d.wrk.txt" % run))
                elapsed = time.time() - started
                cpu = {n.role + ("" if n is api else "-%d" % i): cpu_seconds(n.process.pid) - cpu_before[n.process.pid]
                       for i, n in enumerate(nodes)}
                stored = result["statuses"].get(201, 0)
                result.update(scenario=name, seconds=round(elapsed, 1), cpu_s=cpu,
                              cpu_ms_per_upload=round(1000 * sum(cpu.values()) / stored, 2) if stored else None,
                              api_cpu_ms_per_upload=round(1000 * cpu[api.role] / stored, 2) if stored else None)
                results.append(result)
                print(json.dumps(result), flush=True)
            finally:
                for n in nodes:
                    n.stop()
    finally:
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    lines = ["| scenario | uploads/s | p50 ms | p99 ms | answers | JVM CPU ms per stored upload (all nodes) | of which the api node |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append("| %s | %.1f | %s | %s | %s | %s | %s |" % (r["scenario"], r["rps"], r.get("p50_ms"), r.get("p99_ms"),
                     ", ".join("%d: %d" % kv for kv in sorted(r["statuses"].items())), r["cpu_ms_per_upload"],
                     r["api_cpu_ms_per_upload"]))
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("bench/cluster.sh, %d connections, %s per scenario after %s of warm-up, %d distinct images, %d cores\n\n"
                % (args.connections, args.duration, args.warmup, len(images), os.cpu_count()) + "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
