/*
 * stub.h - the entry point of a tool whose issue is not done yet.
 *
 * A stub answers --help and --version and refuses everything else with exit 2 and a line
 * saying it is not built yet. It is replaced by the real main.c when the tool lands.
 */
#ifndef RELKIT_STUB_H
#define RELKIT_STUB_H

int rk_stub_main(int argc, char **argv, const char *tool, const char *summary);

#endif
