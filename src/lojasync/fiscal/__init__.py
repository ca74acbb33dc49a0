"""Fiscal module (NF-e modelo 55): for now the shape of the SEFAZ gateway it will talk to."""
