#!/usr/bin/env python3
"""Renders `smh run --html` in a real browser (Debian's chromium, headless).

Usage: browser_test.py SMH SCENARIO OUT_DIR

Checks that the rendered document holds the page's SVG strips and charts and
the JSON report's figures, that the browser printed no script or console
error, and that a screenshot is not blank; keeps OUT_DIR/run_report.png (and
the page) as artifacts. Chromium missing is a failure, not a skip:
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


def main():
    if len(sys.argv) != 4:
        fail("usage: browser_test.py SMH SCENARIO OUT_DIR")
    smh, scenario, out_dir = sys.argv[1:]
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    page = os.path.join(out_dir, "run_report.html")
    report = os.path.join(out_dir, "run_report.json")
    run = subprocess.run([smh, "run", scenario, "-q", "--html", page, "--report", report], capture_output=True)
    if run.returncode != 0:
        fail("smh run exited %d: %s" % (run.returncode, run.stderr.decode(errors="replace")))
    with open(report) as file:
        record = json.load(file)["scenarios"][0]
    regions = record["regions"]

    dom = chromium(out_dir, ["--dump-dom", "file://" + os.path.abspath(page)])
    if "<script" in dom:
        fail("the rendered page holds a script")
    expected_svgs = len(regions) + 2  # a strip per region, the F_ext and live-bytes charts
    if dom.count("<svg") != expected_svgs:
        fail("rendered page has %d <svg>, expected %d" % (dom.count("<svg"), expected_svgs))
    if dom.count("<polyline") != 2 * len(regions):
        fail("rendered page has %d <polyline>, expected %d" % (dom.count("<polyline"), 2 * len(regions)))
    figures = {"run-digest": record["digest"], "run-ops": json.dumps(record["ops"]),
               "run-footprint_bytes": json.dumps(record["footprint_bytes"])}
    for index, region in enumerate(regions):
        for key in ("capacity_bytes", "high_water_bytes", "live_bytes", "largest_free_bytes", "f_ext"):
            figures["r%d-%s" % (index, key)] = json.dumps(region[key])
    for cell, text in figures.items():
        if 'id="%s">%s</td>' % (cell, text) not in dom:
            fail("rendered page does not show %s = %s" % (cell, text))

    shot = os.path.join(out_dir, "run_report.png")
    chromium(out_dir, ["--screenshot=" + shot, "--window-size=900,1400", "file://" + os.path.abspath(page)])
    width, height, channels, rows = png_pixels(shot)
    colours, inked = set(), 0
    for row in rows:
        for x in range(0, width * channels, channels):
            pixel = row[x:x + 3]
            colours.add(pixel)
            inked += pixel != b"\xff\xff\xff"
    # The first region's colour (#1f77b4) fills its strip: the SVG was drawn.
    if b"\x1f\x77\xb4" not in colours:
        fail("%s: the first region's colour #1f77b4 is nowhere: the SVG did not render" % shot)
    if len(colours) < 16 or inked < width * height // 50:
        fail("%s looks blank: %d colours, %d of %d pixels not white" % (shot, len(colours), inked, width * height))
    print("browser_test: ok: %d regions, %d colours, %d%% inked; artifacts in %s"
          % (len(regions), len(colours), 100 * inked // (width * height), out_dir))


main()
