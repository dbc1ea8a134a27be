/* `xenlet create FILE` and `xenlet check-config FILE`: xl configs. */
#ifndef XENLET_XL_COMMANDS_H
#define XENLET_XL_COMMANDS_H

/* argv[0] is the command's name; exit statuses as `xenlet run`'s. */
int xl_cmd_create(int argc, char **argv);
/* 0 if the guest can start from the file, 1 if not. */
int xl_cmd_check_config(int argc, char **argv);

#endif
