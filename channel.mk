# channel.mk -- build fragment (appends with +=).
