/* ghcr-promote: not built yet (see its issue); answers --help and --version only */
#include "stub.h"

int main(int argc, char **argv)
{
    return rk_stub_main(argc, argv, "ghcr-promote", "Promote container images between repositories and registries.");
}
