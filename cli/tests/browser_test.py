#!/usr/bin/env python3
"""Renders the pages of `smh run --html`, `smh compare --html` and `smh size
--html` in a real browser (Debian's chromium, headless).

Usage: browser_test.py SMH SCENARIO OUT_DIR

The scenario's machine is used for all three; its ops, written out as a trace,
are what compare and size replay. Checks that each rendered document holds its
SVG charts and the JSON report's figures, that the browser printed no script or
console error, and that a screenshot is not blank; keeps OUT_DIR/*.png (and the
pages) as artifacts. Chromium missing is a failure, not a skip:
scripts/bootstrap.sh installs it.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

CHROMIUM_SECONDS = 60  # per browser call; the ctest TIMEOUT bounds the whole test


def fail(message):
    print("browser_test: FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def chromium(out_dir, args):
    browser = shutil.which("chromium")
    if browser is None:
        fail("chromium is not installed (scripts/bootstrap.sh installs it)")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--user-data-dir=" + os.path.join(out_dir, "profile")] + args
    done = subprocess.run(command, capture_output=True, timeout=CHROMIUM_SECONDS)
    if done.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(command), done.returncode, done.stderr.decode(errors="replace")))
    for line in done.stderr.decode(errors="replace").splitlines():
        if "CONSOLE" in line or "Uncaught" in line:
            fail("the page logged an error: " + line)
    return done.stdout.decode()


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG."""
    with open(path, "rb") as file:
        data = file.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(path + " is not a PNG")
    at, idat, header = 8, b"", None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        fail("%s: unexpected PNG format (depth %d, colour type %d)" % (path, depth, colour))
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            up_left = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - up_left
                distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
                predictor = (left, up, up_left)[distances.index(min(distances))]
                line[x] = (line[x] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def smh_page(smh, out_dir, name, arguments):
    """Runs `smh ARGUMENTS --html NAME.html --report NAME.json`; the page's path and the report."""
    page = os.path.join(out_dir, name + ".html")
    report = os.path.join(out_dir, name + ".json")
    done = subprocess.run([smh] + arguments + ["--html", page, "--report", report], capture_output=True)
    if done.returncode != 0:
        fail("smh %s exited %d: %s" % (arguments[0], done.returncode, done.stderr.decode(errors="replace")))
    with open(report) as file:
        return page, json.load(file)


def rendered(out_dir, page, figures, svgs):
    """The page's DOM as the browser built it, checked for `svgs` charts and every figure (cell id -> text)."""
    dom = chromium(out_dir, ["--dump-dom", "file://" + os.path.abspath(page)])
    if "<script" in dom:
        fail(page + ": the rendered page holds a script")
    if dom.count("<svg") != svgs:
        fail("%s: rendered page has %d <svg>, expected %d" % (page, dom.count("<svg"), svgs))
    for cell, text in figures.items():
        if 'id="%s">%s</td>' % (cell, text) not in dom:
            fail("%s: rendered page does not show %s = %s" % (page, cell, text))
    return dom


def screenshot(out_dir, page, colour):
    """Renders the page to a PNG, which must hold `colour` (3 bytes) and not look blank; a summary."""
    shot = page[:-len(".html")] + ".png"
    chromium(out_dir, ["--screenshot=" + shot, "--window-size=900,1400", "file://" + os.path.abspath(page)])
    width, height, channels, rows = png_pixels(shot)
    colours, inked = set(), 0
    for row in rows:
        for x in range(0, width * channels, channels):
            pixel = row[x:x + 3]
            colours.add(pixel)
            inked += pixel != b"\xff\xff\xff"
    if colour not in colours:
        fail("%s: the colour #%s is nowhere: the SVG did not render" % (shot, colour.hex()))
    if len(colours) < 16 or inked < width * height // 50:
        fail("%s looks blank: %d colours, %d of %d pixels not white" % (shot, len(colours), inked, width * height))
    return "%d colours, %d%% inked" % (len(colours), 100 * inked // (width * height))


def run_page(smh, scenario, out_dir):
    page, report = smh_page(smh, out_dir, "run_report", ["run", scenario, "-q"])
    record = report["scenarios"][0]
    regions = record["regions"]
    figures = {"run-digest": record["digest"], "run-ops": json.dumps(record["ops"]),
               "run-footprint_bytes": json.dumps(record["footprint_bytes"])}
    for index, region in enumerate(regions):
        for key in ("capacity_bytes", "high_water_bytes", "live_bytes", "largest_free_bytes", "f_ext"):
            figures["r%d-%s" % (index, key)] = json.dumps(region[key])
        peak_map = record["peak_maps"][index]
        for key in ("at_ops", "live_bytes", "blocks", "largest_free_offset_bytes", "largest_free_bytes"):
            figures["r%d-map-%s" % (index, key)] = json.dumps(peak_map[key])
    # A strip and a memory map at the peak per region, the F_ext and live-bytes charts.
    dom = rendered(out_dir, page, figures, 2 * len(regions) + 2)
    for index in range(len(regions)):
        if 'id="map-r%d"' % index not in dom:
            fail("rendered page has no memory map of region %d" % index)
    if dom.count("<polyline") != 2 * len(regions):
        fail("rendered page has %d <polyline>, expected %d" % (dom.count("<polyline"), 2 * len(regions)))
    # The first region's colour (#1f77b4) fills its strip.
    return "run: %d regions, %s" % (len(regions), screenshot(out_dir, page, b"\x1f\x77\xb4"))


def compare_page(smh, scenario, trace, out_dir):
    page, report = smh_page(smh, out_dir, "compare_report", ["compare", scenario, trace])
    rows = report["traces"][0]["policies"]
    figures = {}
    for row in rows:
        for key in ("failed_allocs", "footprint_bytes", "spilled"):
            figures["t0-%s-%s" % (row["name"], key)] = json.dumps(row[key])
        figures["t0-%s-digest" % row["name"]] = row["digest"]
    rendered(out_dir, page, figures, 2)  # the footprint and F_ext bars
    # The best rows' bars are green (#2e7d32).
    return "compare: %d rows, %s" % (len(rows), screenshot(out_dir, page, b"\x2e\x7d\x32"))


def size_page(smh, scenario, trace, out_dir):
    page, report = smh_page(smh, out_dir, "size_report", ["size", scenario, trace])
    figures = {}
    for prefix, rows in (("r", report["regions"]), ("a", report.get("attributes", []))):
        for index, row in enumerate(rows):
            for key in ("current_bytes", "needed_bytes", "sized_bytes", "high_water_bytes"):
                figures["%s%d-%s" % (prefix, index, key)] = json.dumps(row[key])
    svgs = 1 + (1 if "attributes" in report else 0)  # the bars of regions (and of attributes)
    dom = rendered(out_dir, page, figures, svgs)
    if "<rect" not in dom:
        fail(page + ": no bar was drawn")
    return "size: %d regions, %s" % (len(report["regions"]), screenshot(out_dir, page, b"\x1f\x77\xb4"))


def main():
    if len(sys.argv) != 4:
        fail("usage: browser_test.py SMH SCENARIO OUT_DIR")
    smh, scenario, out_dir = sys.argv[1:]
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    with open(scenario) as file:
        ops = json.load(file)["ops"]
    trace = os.path.join(out_dir, "scenario_ops.jsonl")
    with open(trace, "w") as file:
        file.writelines(json.dumps(op) + "\n" for op in ops)
    summaries = [run_page(smh, scenario, out_dir), compare_page(smh, scenario, trace, out_dir),
                 size_page(smh, scenario, trace, out_dir)]
    print("browser_test: ok: %s; artifacts in %s" % ("; ".join(summaries), out_dir))


main()
