"""The moomoo broker: paper (SIMULATE) by default, live only behind two switches."""
