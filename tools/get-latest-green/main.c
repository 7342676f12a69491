/* get-latest-green: not built yet (see its issue); answers --help and --version only */
#include "stub.h"

int main(int argc, char **argv)
{
    return rk_stub_main(argc, argv, "get-latest-green", "Find the newest commit on a branch whose required checks passed.");
}
