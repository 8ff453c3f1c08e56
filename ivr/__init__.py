"""ivr: a self-hosted pay-per-call switch driven by Asterisk over FastAGI and AMI."""

__version__ = "0.1.0"
