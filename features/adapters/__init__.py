"""Adapters: public labelled sets of real accounts (Twitter, Instagram) mapped onto the
dataset contract, one module per set; `features.adapters.registry` lists them and writes
an imported folder (`fanaudit import NAME SRC --out DIR`).

The sets are only read from where they lie (`../shared/datasets`); nothing of them is
copied into the package. They carry profiles and counters only, no event tables, so they
test the profile family and the training machinery on data nobody here made.
"""
