/* index-gen: not built yet (see its issue); answers --help and --version only */
#include "stub.h"

int main(int argc, char **argv)
{
    return rk_stub_main(argc, argv, "index-gen", "Generate a pip index (find-links, PEP 503/691/658) from releases or local files.");
}
