"""Trusted helper objects that hidden tests build inside the worker (`make("toys.KATA:Name", ...)`):
seeded generators, toy models, call counters. One module per kata; `common` for all."""
