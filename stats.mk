# stats.mk -- build fragment (appends with +=).
