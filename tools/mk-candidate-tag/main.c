/* mk-candidate-tag: not built yet (see its issue); answers --help and --version only */
#include "stub.h"

int main(int argc, char **argv)
{
    return rk_stub_main(argc, argv, "mk-candidate-tag", "Compute versions and allocate a unique candidate tag, race-safely.");
}
