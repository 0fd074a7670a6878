#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The fuzzers' part of `make test` (issue 8): every committed regression
# input, then a short fixed-seed pass of each libFuzzer target (the data
# path one needs root). Under 30 s in all; tests/fuzz/run.sh does the work.
exec "$(dirname "$0")/../fuzz/run.sh" smoke
