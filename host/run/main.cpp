// The perfgen binary: a thin shell over perfgen::cli_main (host/run/cli.cpp).
#include "commands.h"

int main(int argc, char** argv) { return perfgen::cli_main(argc, argv); }
