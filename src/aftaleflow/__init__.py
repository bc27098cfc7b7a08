"""aftaleflow: sagsgang for samarbejdsaftaler mellem kommuner og region."""

__version__ = "0.1.0"
