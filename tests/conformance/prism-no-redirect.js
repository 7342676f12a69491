// Preloaded into Prism (node --require) by with-prism.sh.  Two small changes, no validation
// rule is touched:
//
// 1. Prism's upstream fetches do NOT follow redirects.  Prism proxies with node-fetch, which
//    follows a 302 by itself (and, for the same host name, keeps the Authorization header).
//    A proxy must hand the 302 back to the client instead: the API answers
//    GET /releases/assets/{id} (Accept: application/octet-stream) with 302 to the
//    asset-download host, which the client then fetches directly, without credentials.
//
// 2. With --errors, Prism answers a response violation with a 500 problem+json and logs only
//    "Request terminated with error: ...VIOLATIONS: Request/Response not valid".  We append the
//    individual violations to that log line so with-prism.sh can show what was wrong.
'use strict';
const Module = require('module');
const origLoad = Module._load;
let wrappedFetch = null;
let patchedProblem = false;

function patchProblem(cls) {
  if (patchedProblem || typeof cls !== 'function') return;
  patchedProblem = true;
  cls.prototype.toString = function () {
    let s = `${this.name}: ${this.message}`;
    const v = this.additional && this.additional.validation;
    if (Array.isArray(v) && v.length) {
      s += ' [' + v.map(x => `${(x.location || []).join('.')} ${x.message}`).join('; ') + ']';
    }
    return s;
  };
}

Module._load = function (request, parent, isMain) {
  const exp = origLoad.apply(this, arguments);
  if (exp && !patchedProblem && exp.ProblemJsonError) patchProblem(exp.ProblemJsonError);
  if (request !== 'node-fetch' || typeof exp !== 'function') return exp;
  if (wrappedFetch === null) {
    wrappedFetch = function (url, opts) {
      return exp(url, Object.assign({}, opts, { redirect: 'manual' }));
    };
    Object.assign(wrappedFetch, exp);
    wrappedFetch.default = wrappedFetch;
  }
  return wrappedFetch;
};
