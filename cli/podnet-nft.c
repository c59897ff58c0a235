// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * podnet-nft: nftables commands from standard input through libnftables, for
 * the statically linked podnet CLI, which cannot dlopen() it (nftrun.h).
 * Runs in the namespaces of whoever starts it; prints only the error.
 */
#include "nftrun.h"

int main(int argc, char **argv)
{
	return pn_nft_helper_main(argc, argv);
}
