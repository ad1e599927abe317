"""Real servers the suite starts for itself on free ports: an S3 API (moto's server mode) and SMTP (aiosmtpd)."""
