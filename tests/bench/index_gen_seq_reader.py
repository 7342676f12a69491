#!/usr/bin/env python3
"""The way the old generator (IREE's generate_release_index.py) reads releases: one page of
per_page=100 after the other, until a page is empty or has no rel="next", then a find-links
page with unquoted hrefs. Used by tests/bench/index_gen.sh as the baseline.

usage: index_gen_seq_reader.py API_URL OWNER/NAME OUT.html  ->  prints {"requests": N, "releases": N}
"""
import json
import os
import re
import sys
import urllib.request


def main():
    api, repo, out = sys.argv[1:4]
    url = "%s/repos/%s/releases?per_page=100&page=1" % (api, repo)
    headers = {"Accept": "application/vnd.github+json"}
    if os.environ.get("GH_TOKEN"):
        headers["Authorization"] = "Bearer " + os.environ["GH_TOKEN"]
    releases, requests = [], 0
    while url:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
            requests += 1
            page = json.load(r)
            link = r.headers.get("Link") or ""
        if not page:
            break
        releases.extend(page)
        m = re.search(r'<([^>]+)>;\s*rel="next"', link)
        url = m.group(1) if m else None
    with open(out, "w") as f:
        f.write("<html><body>\n")
        for rel in releases:
            for a in rel["assets"]:
                if a["name"].endswith(".whl"):
                    f.write("<a href=%s>%s</a><br />\n" % (a["browser_download_url"], a["name"]))
        f.write("</body></html>\n")
    print(json.dumps({"requests": requests, "releases": len(releases)}))


if __name__ == "__main__":
    main()
