"""Offline Folium maps and profile pages from the indicator layers."""
