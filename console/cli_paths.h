#ifndef GATEHOUSE_CONSOLE_CLI_PATHS_H
#define GATEHOUSE_CONSOLE_CLI_PATHS_H

/* gatehouse paths: print the files and folders the console uses; argv[0] is "paths". */
int cli_paths_run(int argc, char **argv);

#endif
