/* help.c - gh-release's --help texts: one section per command, all of them at the top */
#include "ghr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char head[] =
    "usage: gh-release <command> [options] [arguments]\n"
    "\n"
    "Create, upload, publish, promote, download, list, verify and prune GitHub releases.\n"
    "Reads the JSON release context on stdin (or --context FILE), writes it back on stdout\n"
    "with the command's keys added. 'gh-release <command> --help' shows one command.\n"
    "\n"
    "commands:\n"
    "  create    create the release of a tag, or reuse / update the existing one\n"
    "  upload    upload files to a release: idempotent, parallel, retried\n"
    "  publish   check that every expected asset is there, then publish the draft\n"
    "  promote   promote a candidate release to a stable one (v{version})\n"
    "  download  download assets, each checked against its digest\n"
    "  list      list releases as JSON, with filters\n"
    "  view      show one release and its assets\n"
    "  verify    check assets' digests against their bytes or local files\n"
    "  prune     delete old pre-releases (retention)\n"
    "\n"
    "options of every command:\n"
    "  -R, --repo OWNER/NAME  repository (else the context's \"repo\", else GITHUB_REPOSITORY)\n"
    "      --context FILE     read the context from FILE instead of stdin\n"
    "      --dry-run          print the plan as JSON, change nothing\n"
    "  -v, --verbose          more diagnostics (-vv: debug)\n"
    "  -q, --quiet            errors only\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n";

static const char s_create[] =
    "gh-release create [TAG] [options]\n"
    "  Creates the release of TAG (--tag, or the context's \"tag\"). The tag must exist or\n"
    "  --target gives the commit to create it at. A release that already exists for the tag\n"
    "  (drafts included) is reused, updated or refused per --if-exists. Concurrent runs for\n"
    "  one tag converge on one release (the lowest id; the others delete theirs).\n"
    "  -t, --tag TAG          the release's tag\n"
    "      --target SHA       commit to create the tag at (else the context's \"sha\")\n"
    "      --name NAME        release title (default: the tag)\n"
    "      --notes TEXT       release notes\n"
    "      --notes-file FILE  release notes from FILE ('-': stdin; the context then comes\n"
    "                         from --context only)\n"
    "      --draft            create a draft (an existing published release stays published)\n"
    "      --prerelease       mark as a pre-release\n"
    "      --latest WHEN      true, false or legacy (GitHub's make_latest)\n"
    "      --if-exists WHAT   reuse (default), update (apply the given fields) or fail\n";

static const char s_upload[] =
    "gh-release upload [options] FILE...\n"
    "  Uploads files (paths, globs, or PATH#LABEL) to the release of --tag, else the files of\n"
    "  the context (\"files\", else \"wheels\"). Bodies are streamed from disk. An asset with\n"
    "  the same name, size and sha256 is skipped; a different one is refused unless --clobber,\n"
    "  which uploads the new bytes under a temporary name and swaps them in, so the release\n"
    "  always holds the old or the new asset. Broken uploads and leftovers of a killed run\n"
    "  are cleaned up.\n"
    "  -t, --tag TAG            the release's tag\n"
    "  -j, --jobs N             parallel uploads (default 16, at most 64)\n"
    "      --clobber            replace assets whose bytes differ\n"
    "      --content-type TYPE  content type of every file (default: from the extension)\n"
    "      --metadata           also upload WHEEL.metadata sidecars next to wheels; without\n"
    "                           FILEs: index-gen's .metadata files (\"index\" in the context)\n";

static const char s_publish[] =
    "gh-release publish [TAG] [options]\n"
    "  Checks that the release holds every expected asset (complete uploads only). Prints\n"
    "  what is missing and exits 1 when anything is; else publishes the draft, keeping its\n"
    "  pre-release flag. An already published release is only checked.\n"
    "  -t, --tag TAG          the release's tag\n"
    "      --expect GLOB      an asset matching GLOB must exist (repeatable)\n"
    "      --manifest FILE    one GLOB per line ('#' comments) that must each match\n"
    "      --latest WHEN      true, false or legacy, applied when publishing\n";

static const char s_promote[] =
    "gh-release promote [CANDIDATE] [options]\n"
    "  Promotes a candidate release (--from, or the context's \"tag\") to a stable one: tag\n"
    "  v{version} at the candidate's commit, a draft titled 'Release v{version}', the assets\n"
    "  matching --copy copied from the candidate (digests checked), the retagged wheels\n"
    "  (wheel-retag's JSON on stdin: \"wheels\" or \"files\") uploaded, then published as\n"
    "  stable and latest. Re-running it resumes where it stopped.\n"
    "      --from TAG             the candidate's tag\n"
    "      --release-version V    the stable version (default: the final one of the\n"
    "                             context's \"version\", else of the retagged wheels, else\n"
    "                             of the candidate tag)\n"
    "  -t, --tag TAG              the new tag (default: v{version})\n"
    "      --name NAME            title (default: 'Release v{version}')\n"
    "      --notes TEXT           release notes\n"
    "      --notes-file FILE      release notes from FILE\n"
    "      --copy GLOB            copy the candidate's assets matching GLOB (repeatable)\n"
    "      --wheels FILE          wheel-retag's JSON from FILE instead of the context\n"
    "      --latest WHEN          true (default), false or legacy\n"
    "  -j, --jobs N               parallel transfers (default 16)\n"
    "      --clobber              replace assets of the new release whose bytes differ\n";

static const char s_download[] =
    "gh-release download [options] [PATTERN...]\n"
    "  Downloads the assets of --tag matching the patterns (all when none) into --dir, in\n"
    "  parallel. Every file is checked against the asset's digest (its size when GitHub\n"
    "  gives none) and renamed into place only when it matches; a mismatch exits 1 and keeps\n"
    "  no file. A download killed midway resumes from its .part file. Files already there\n"
    "  with the right digest are kept. Prints \"files\" for wheel-retag and upload.\n"
    "  -t, --tag TAG          the release's tag\n"
    "  -p, --pattern GLOB     asset names to download (repeatable, like PATTERN)\n"
    "  -D, --dir DIR          destination directory (default: .)\n"
    "  -j, --jobs N           parallel downloads (default 24)\n"
    "      --clobber          overwrite local files whose bytes differ\n";

static const char s_list[] =
    "gh-release list [options]\n"
    "  Lists releases (drafts included when the token may see them) as \"releases\", newest\n"
    "  first, past GitHub's 1000-release cap.\n"
    "      --tag-regex RE     tags matching the extended regular expression RE\n"
    "      --draft            drafts only\n"
    "      --prerelease       published pre-releases only\n"
    "      --stable           published stable releases only\n"
    "      --older-than AGE   published (else created) more than AGE ago: 90s, 12h, 180d, 2w\n"
    "      --newer-than AGE   published (else created) less than AGE ago\n"
    "      --limit N          at most N releases\n";

static const char s_view[] = "gh-release view [TAG] [options]\n"
                             "  Shows the release of TAG (drafts included) and its assets.\n"
                             "  -t, --tag TAG          the release's tag\n";

static const char s_verify[] =
    "gh-release verify [options] [FILE...]\n"
    "  Checks the assets of --tag: with FILEs or --dir, each local file against the digest\n"
    "  of the asset of its name; else each asset's bytes (downloaded, streamed) against its\n"
    "  digest. Exits 1 on any mismatch or missing asset.\n"
    "  -t, --tag TAG          the release's tag\n"
    "  -D, --dir DIR          compare every asset with the file of its name in DIR\n"
    "  -p, --pattern GLOB     only assets matching GLOB (repeatable)\n"
    "  -j, --jobs N           parallel checks (default 24)\n";

static const char s_prune[] =
    "gh-release prune --older-than AGE [options]\n"
    "  Deletes pre-releases older than AGE whose tags match --tag-regex, keeping the newest\n"
    "  --keep of them; never a stable release or the latest one. A real run needs --yes\n"
    "  outside CI. Prints \"deleted\" and \"deleted_tags\".\n"
    "      --older-than AGE   required: e.g. 180d (6 months)\n"
    "      --tag-regex RE     only tags matching the extended regular expression RE\n"
    "      --keep N           keep the newest N matching pre-releases (default 0)\n"
    "      --cleanup-tag      delete the releases' tags too; with --tag-regex, also the\n"
    "                         matching tags older than AGE that carry no release (left by a\n"
    "                         failed run, or never released; age: tagger date, else commit\n"
    "                         date), never a tag that has a release\n"
    "      --include-drafts   also delete old draft releases\n"
    "  -y, --yes              confirm a real run outside CI\n";

static const char *const sections[GHR_NCMDS] = {
    s_create, s_upload, s_publish, s_promote, s_download, s_list, s_view, s_verify, s_prune};

const char *ghr_cmd_usage(enum ghr_cmd cmd)
{
    static char buf[GHR_NCMDS][4096];
    if (!buf[cmd][0])
        snprintf(buf[cmd], sizeof(buf[cmd]),
                 "usage: %s\n(and the options of every command: gh-release --help)\n",
                 sections[cmd]);
    return buf[cmd];
}

const char *ghr_usage(void)
{
    static char buf[16384];
    size_t at;
    if (buf[0])
        return buf;
    at = (size_t)snprintf(buf, sizeof(buf), "%s", head);
    for (int i = 0; i < GHR_NCMDS && at < sizeof(buf); i++)
        at += (size_t)snprintf(buf + at, sizeof(buf) - at, "\n%s", sections[i]);
    return buf;
}
