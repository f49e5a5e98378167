#!/usr/bin/env python3
"""The scale scenario (BENCHMARKS.md, "At scale"): the real server on an embedded PostgreSQL filled in bulk to
each size (generate_series, one INSERT ... SELECT per million rows, counted by the V6 triggers like any write),
and at each size: the first page of GET /MRI (with its summary), a filtered first page, a next page by cursor,
GET /MRI/{id}, POST /MRI, and the database's size per row.

Run through bench/scale.sh (builds the jar). Results: bench/results/<time>-scale/results.json and results.md.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the shared harness: Server, wrk, users, scenario)

ROOT = bench.ROOT
HOSPITALS = 20
# one row every 9.4 s going back from now: 1M rows span 109 days, 10M about three years
SECONDS_APART = 9.4
FILL = """
INSERT INTO mri (id, gender, hospital, label, prediction, probability, model_version, image_sha256, content_type,
                 size_bytes, width, height, created_by_name, created_at, updated_at, unfamiliar, unfamiliar_score)
SELECT gen_random_uuid(), (ARRAY['female','male','other','unknown'])[1 + i %% 4], 'H' || (i %% %(hospitals)d),
       (ARRAY['tumor','healthy',NULL])[1 + (i / 7) %% 3], (ARRAY['tumor','healthy'])[1 + (i / 3) %% 2],
       (i %% 1000) / 1000.0, 'bench-fill', encode(sha256(int8send(i)), 'hex'),
       'image/jpeg', 20000 + i %% 20000, 512, 512, 'bench-fill',
       now() - make_interval(secs => i * %(apart)s), now() - make_interval(secs => i * %(apart)s),
       i %% 50 = 0, (i %% 100) / 10.0
FROM generate_series(%(first)d, %(last)d) AS i
"""


def psql(server, port, sql):
    with open(os.path.join(server.data_dir, "postgres.password")) as f:
        password = f.read().strip()
    env = dict(os.environ, PGPASSWORD=password)
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "mri", "-X", "-q", "-A",
                          "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("psql: " + out.stderr)
    return out.stdout.strip()


def fill(server, port, have, want):
    """Adds rows have+1 .. want, a million per statement; returns the seconds it took (ANALYZE included)."""
    started = time.time()
    first = have + 1
    while first <= want:
        last = min(want, first + 999_999)
        psql(server, port, FILL % {"hospitals": HOSPITALS, "apart": SECONDS_APART, "first": first, "last": last})
        print("  filled rows %d..%d (%.0f s)" % (first, last, time.time() - started), flush=True)
        first = last + 1
    for statement in ("VACUUM (ANALYZE) mri", "ANALYZE mri_counts", "ANALYZE mri_counts_total"):
        psql(server, port, statement)
    return round(time.time() - started, 1)


def sizes(server, port):
    row = psql(server, port, """
        SELECT count(*), pg_relation_size('mri'), pg_indexes_size('mri'), pg_total_relation_size('mri'),
               pg_total_relation_size('mri_image'), pg_total_relation_size('mri_counts'),
               pg_total_relation_size('mri_counts_total'), (SELECT count(*) FROM mri_counts),
               pg_database_size('mri') FROM mri""").split("|")
    rows, heap, indexes, total, images, counts, counts_total, count_rows, database = (int(x) for x in row)
    per = (lambda b: round(b / rows, 1)) if rows else (lambda b: None)
    return {"rows": rows, "mri_heap_bytes": heap, "mri_index_bytes": indexes, "mri_total_bytes": total,
            "mri_image_bytes": images, "mri_counts_bytes": counts, "mri_counts_rows": count_rows,
            "mri_counts_total_bytes": counts_total, "database_bytes": database,
            "per_row": {"mri_heap": per(heap), "mri_indexes": per(indexes), "mri_total": per(total),
                        "counts": per(counts + counts_total), "database": per(database)}}


QUERIES = {
    # the summary before V6: a GROUP BY over every matching row
    "summary_scan_all": "SELECT coalesce(label, 'none'), prediction, count(*) FROM mri GROUP BY 1, 2",
    "summary_scan_h7": "SELECT coalesce(label, 'none'), prediction, count(*) FROM mri WHERE hospital = 'H7' GROUP BY 1, 2",
    # the summary now: the counters
    "summary_counts_all": "SELECT label, prediction, sum(n) FROM mri_counts_total GROUP BY 1, 2",
    "summary_counts_h7": "SELECT label, prediction, sum(n) FROM mri_counts_total WHERE hospital = 'H7' GROUP BY 1, 2",
    "summary_counts_h7_days": "SELECT label, prediction, sum(n) FROM mri_counts WHERE hospital = 'H7' "
                              "AND day >= DATE '2020-01-01' AND day < DATE '2099-01-01' GROUP BY 1, 2",
}


def query_ms(server, port):
    """Server-side execution time of each query (EXPLAIN ANALYZE, best of three), in ms."""
    timings = {}
    for name, sql in QUERIES.items():
        best = None
        for _ in range(3):
            plan = json.loads(psql(server, port, "EXPLAIN (ANALYZE, FORMAT JSON) " + sql))
            ms = plan[0]["Execution Time"]
            best = ms if best is None else min(best, ms)
        timings[name] = round(best, 2)
    return timings


def export(server, admin):
    """GET /MRI/export of every row as NDJSON, read as fast as it comes; the server's RSS sampled meanwhile: constant
    memory means the peak does not grow with the row count."""
    import threading
    import urllib.request
    rss_before = server.rss_kib()
    peak = [rss_before]
    done = threading.Event()

    def sample():
        while not done.wait(0.2):
            peak[0] = max(peak[0], server.rss_kib())
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    request = urllib.request.Request(server.base + "/MRI/export?format=ndjson", headers={"Authorization": "Bearer " + admin})
    start = time.time()
    rows = 0
    size = 0
    try:
        with urllib.request.urlopen(request, timeout=3600) as response:
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                size += len(chunk)
                rows += chunk.count(b"\n")
    finally:
        done.set()
        sampler.join()
    return {"rows": rows, "mib": size / 1048576.0, "seconds": time.time() - start,
            "rss_before_mib": rss_before / 1024.0, "rss_peak_mib": peak[0] / 1024.0}


def measure(server, admin, out, tokens, token_file, image_list, size, duration, connections):
    """The five scenarios at one size; each one a wrk run of `duration`."""
    path_lua = os.path.join(ROOT, "bench", "path.lua")
    get_lua = os.path.join(ROOT, "bench", "get.lua")
    upload_lua = os.path.join(ROOT, "bench", "upload.lua")
    status, body = bench.http("GET", server.base + "/MRI?limit=50", admin)
    cursor = json.loads(body).get("next_cursor")
    ids = bench.stored_ids(server, admin, 1000)
    id_file = os.path.join(os.path.dirname(token_file), "ids-%d.txt" % size)
    with open(id_file, "w") as f:
        f.write("\n".join(ids) + "\n")
    paths = {"first_page": "/MRI?limit=50", "filtered_page": "/MRI?limit=50&hospital=H7",
             "filtered_range_page": "/MRI?limit=50&hospital=H7&class=tumor&from=2020-01-01T00:00:00Z&to=2099-01-01T12:00:00Z"}
    if cursor:
        paths["cursor_page"] = "/MRI?limit=50&cursor=" + urllib.parse.quote(cursor)
    result = {}
    for name, path in paths.items():
        tag = "%s-%d" % (name, size)
        result[name] = bench.scenario(server, admin, out, tag, lambda: bench.wrk(
            path_lua, [path, token_file], connections, duration, server.base, "/MRI", out, tag))
        print("  %s: %.0f/s p50 %s ms" % (name, result[name]["rps"], result[name].get("p50_ms")), flush=True)
    if ids:
        tag = "get_one-%d" % size
        result["get_one"] = bench.scenario(server, admin, out, tag, lambda: bench.wrk(
            get_lua, [id_file, token_file], connections, duration, server.base, "/MRI", out, tag))
        print("  get_one: %.0f/s p50 %s ms" % (result["get_one"]["rps"], result["get_one"].get("p50_ms")), flush=True)
    result["export"] = export(server, admin)
    print("  export: %(rows)d rows, %(mib).1f MiB in %(seconds).1f s; server RSS %(rss_before_mib).0f MiB before, "
          "at most %(rss_peak_mib).0f MiB during" % result["export"], flush=True)
    tag = "upload-%d" % size
    result["upload"] = bench.scenario(server, admin, out, tag, lambda: bench.wrk(
        upload_lua, [image_list, token_file, "scale%d" % size], 8, duration, server.base, "/MRI", out, tag))
    print("  upload c=8: %.0f/s p50 %s ms" % (result["upload"]["rps"], result["upload"].get("p50_ms")), flush=True)
    return result


def report(results):
    lines = ["# Scale scenario", "", "Command: `%s`" % results["command"], "",
             "| rows | fill s | first page /s (p50 ms) | `&hospital=H7` | `&hospital=H7&class=tumor&from&to` (part-day) "
             "| next page by cursor | `GET /MRI/{id}` | `POST /MRI` c=8 | bytes/row (mri+indexes) | bytes/row (database) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for step in results["steps"]:
        m = step["measured"]

        def cell(name):
            r = m.get(name)
            return "%.0f/s (%s)" % (r["rps"], r.get("p50_ms")) if r else ""
        s = step["sizes"]
        lines.append("| {:,} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            s["rows"], step.get("fill_seconds", ""), cell("first_page"), cell("filtered_page"),
            cell("filtered_range_page"), cell("cursor_page"), cell("get_one"), cell("upload"),
            s["per_row"]["mri_total"], s["per_row"]["database"]))
    lines += ["", "`GET /MRI/export?format=ndjson` of every row, read as fast as it came, with the server's resident memory "
              "sampled every 0.2 s", "", "| rows | exported rows | MiB | seconds | server RSS before MiB | peak MiB |",
              "|---|---|---|---|---|---|"]
    for step in results["steps"]:
        e = step["measured"].get("export")
        if e:
            lines.append("| {:,} | {:,} | {:.1f} | {:.1f} | {:.0f} | {:.0f} |".format(step["sizes"]["rows"], e["rows"], e["mib"],
                                                                              e["seconds"], e["rss_before_mib"], e["rss_peak_mib"]))
    lines += ["", "Server-side time of the summary's SQL (EXPLAIN ANALYZE, best of 3, ms): the scan it did before V6 "
              "against the counters it reads now", "", "| rows | " + " | ".join(QUERIES) + " | load average (1, 5, 15 min) |",
              "|---|" + "---|" * (len(QUERIES) + 1)]
    for step in results["steps"]:
        lines.append("| {:,} | ".format(step["sizes"]["rows"]) + " | ".join(str(step["query_ms"][q]) for q in QUERIES)
                     + " | " + ", ".join("%.1f" % x for x in step["load_average"]) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jar", default=os.path.join(ROOT, "target", "mri-classifier.jar"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--sizes", default="0,1000000,10000000", help="row counts to measure at, ascending")
    parser.add_argument("--duration", default="15s")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=18190)
    parser.add_argument("--images", default=os.path.join(ROOT, "..", "shared", "datasets", "brain-mri-7k", "train"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results = {"machine": bench.machine(), "settings": vars(args), "command": " ".join(sys.argv), "steps": []}
    images = sorted(os.path.join(d, f) for d, _, files in os.walk(args.images) for f in files
                    if f.lower().endswith((".jpg", ".jpeg", ".png")))
    image_list = os.path.join(args.work, "images.txt")
    with open(image_list, "w") as f:
        f.write("\n".join(images) + "\n")
    db_port = args.port + 1
    data_dir = tempfile.mkdtemp(prefix="mri-scale-")
    server = bench.Server(args.jar, args.port, data_dir,
                          {"MRI_DB_EMBEDDED_PORT": str(db_port), "MRI_JWT_TTL_MINUTES": "600"},
                          os.path.join(args.out, "server.log"))
    try:
        server.wait_ready()
        admin = bench.login(server, bench.ADMIN_EMAIL, bench.ADMIN_PASSWORD)
        tokens = bench.bench_users(server, admin, 8)
        token_file = os.path.join(args.work, "tokens.txt")
        with open(token_file, "w") as f:
            f.write("\n".join(tokens) + "\n")
        # the JIT warms up on the first page and uploads before anything is recorded
        for lua, path, extra in (("path.lua", "/MRI?limit=50", []), ("upload.lua", "/MRI", ["warmup"])):
            script = os.path.join(ROOT, "bench", lua)
            bench.wrk(script, ([image_list, token_file] + extra) if extra else [path, token_file], 8, "10s",
                      server.base, path, args.work, "warmup-" + lua)
        filled = 0
        for size in (int(s) for s in args.sizes.split(",")):
            step = {"target_rows": size}
            if size > filled:
                print("filling to %d rows" % size, flush=True)
                step["fill_seconds"] = fill(server, db_port, filled, size)
                filled = size
            print("measuring at %d rows" % size, flush=True)
            step["measured"] = measure(server, admin, args.out, tokens, token_file, image_list, size, args.duration,
                                       args.connections)
            step["sizes"] = sizes(server, db_port)
            step["query_ms"] = query_ms(server, db_port)
            step["load_average"] = os.getloadavg()
            results["steps"].append(step)
            with open(os.path.join(args.out, "results.json"), "w") as f:
                json.dump(results, f, indent=2)
            with open(os.path.join(args.out, "results.md"), "w") as f:
                f.write(report(results))
    finally:
        results["exit_code"] = server.stop()
        subprocess.run(["rm", "-rf", data_dir])
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(report(results))
    print(report(results))


if __name__ == "__main__":
    main()
