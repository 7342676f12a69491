/*
 * oci.h - container images without the network: references, media types, manifests.
 *
 * References follow the distribution grammar: [REGISTRY/]REPO[:TAG][@DIGEST]. The first
 * path component is a registry when it contains '.' or ':', is "localhost" or is a
 * bracketed IPv6 address; otherwise the registry is docker.io and a one-component name gets
 * "library/". A leading "https://" (as crane accepts) is dropped. Repository components are
 * lowercase [a-z0-9] runs joined by '.', '_', '__' or dashes; a tag is [A-Za-z0-9_] then up
 * to 127 of [A-Za-z0-9_.-]; a digest is "sha256:" + 64 lowercase hex digits, or "sha512:"
 * + 128. Anything else is RK_INPUT with the reference quoted.
 *
 * Ownership: struct rk_oci_ref and struct rk_oci_manifest own their strings
 * (rk_oci_ref_release, rk_oci_manifest_release; both safe on zeroed structs). Parsing never
 * keeps a pointer into its input.
 *
 * Manifests: Docker schema 2 manifests and manifest lists, OCI manifests and indexes.
 * Schema 1 is refused (RK_INPUT). The media type is the document's "mediaType" when present,
 * else the Content-Type the registry sent, else inferred ("manifests" -> OCI index,
 * "config" -> OCI manifest). Every descriptor must have a valid digest and size >= 0.
 */
#ifndef RELKIT_OCI_H
#define RELKIT_OCI_H

#include <stddef.h>
#include <stdint.h>

struct rk_err;
struct rk_buf;

#define RK_OCI_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define RK_OCI_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define RK_OCI_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define RK_OCI_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
/* Accept for manifest GET/HEAD: distribution 2.8 answers 404 for OCI manifests, converts
 * schema 2 to schema 1 and answers one platform for a list unless its type is listed */
#define RK_OCI_ACCEPT                                                                              \
    RK_OCI_MT_OCI_MANIFEST ", " RK_OCI_MT_OCI_INDEX ", " RK_OCI_MT_DOCKER_MANIFEST                 \
                           ", " RK_OCI_MT_DOCKER_LIST

#define RK_OCI_MANIFEST_MAX ((size_t)4 << 20) /* manifests are read into memory up to this */
#define RK_OCI_DIGEST_MAX 136                 /* "sha512:" + 128 hex + NUL */
#define RK_OCI_NAME_MAX 255                   /* repository name */
#define RK_OCI_DEFAULT_REGISTRY "docker.io"

struct rk_oci_ref {
    char *registry; /* "ghcr.io", "127.0.0.1:5000", "[::1]:5000"; lowercase */
    char *repo;     /* "tenstorrent/tt-shield/vllm" */
    char *tag;      /* NULL when absent */
    char *digest;   /* NULL when absent */
};

int rk_oci_ref_parse(const char *s, struct rk_oci_ref *out, struct rk_err *e);
void rk_oci_ref_release(struct rk_oci_ref *r);
/* Deep copy; -1 (RK_SYSTEM) when out of memory. */
int rk_oci_ref_copy(struct rk_oci_ref *dst, const struct rk_oci_ref *src, struct rk_err *e);
/* "registry/repo[:tag][@digest]", owned; NULL when out of memory. */
char *rk_oci_ref_format(const struct rk_oci_ref *r);
/* Replace one field (copied; NULL clears tag/digest). -1 when out of memory. */
int rk_oci_ref_set(char **field, const char *value);

int rk_oci_valid_registry(const char *s);
int rk_oci_valid_repo(const char *s);
int rk_oci_valid_tag(const char *s);
int rk_oci_valid_digest(const char *s);
/* The host that serves the API of a registry name: docker.io -> registry-1.docker.io. */
const char *rk_oci_api_host(const char *registry);

/* "sha256:<hex of p>" into out. */
int rk_oci_digest_of(const void *p, size_t n, char out[RK_OCI_DIGEST_MAX], struct rk_err *e);

enum rk_oci_kind { RK_OCI_UNKNOWN = 0, RK_OCI_IMAGE = 1, RK_OCI_INDEX = 2 };
/* Kind of a manifest media type (parameters after ';' ignored). */
enum rk_oci_kind rk_oci_media_kind(const char *media_type);

struct rk_oci_desc {
    char *media_type;
    char *digest;
    int64_t size;
    char *platform; /* index entries: "os/arch[/variant]", NULL when absent */
    int foreign;    /* a non-distributable layer with URLs: never copied */
};

struct rk_oci_manifest {
    char *media_type;
    enum rk_oci_kind kind;
    struct rk_oci_desc *desc; /* image: [0] the config, then the layers; index: children */
    size_t n;
    char *subject; /* OCI 1.1 "subject" digest, or NULL */
};

int rk_oci_manifest_parse(const void *p, size_t n, const char *content_type,
                          struct rk_oci_manifest *m, struct rk_err *e);
void rk_oci_manifest_release(struct rk_oci_manifest *m);

/* Platforms: "os/arch[/variant]". A pattern without a variant matches every variant; the
 * arm64 variant "v8" matches an entry without one. */
int rk_oci_platform_valid(const char *pattern);
int rk_oci_platform_match(const char *pattern, const char *platform);

/* A copy of the index (p, n) keeping only the entries whose platform matches one of the
 * patterns, compact JSON, written into out (reset first). *kept gets how many were kept;
 * none is RK_INPUT. */
int rk_oci_index_filter(const void *p, size_t n, const char *const *patterns, size_t npat,
                        struct rk_buf *out, size_t *kept, struct rk_err *e);

#endif
