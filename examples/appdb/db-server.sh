#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A stand-in database: answers every connection on port 5432 with one row.
exec socat -T5 TCP-LISTEN:5432,reuseaddr,fork SYSTEM:'echo "row 42: hello from the database"'
