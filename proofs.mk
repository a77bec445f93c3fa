# proofs.mk -- build fragment (appends with +=).
