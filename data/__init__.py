"""The embedded demo municipality Havenstede (GM9901) and CBS reference metadata, shipped as package data."""
