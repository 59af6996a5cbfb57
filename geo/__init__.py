"""The geo stage: load CBS, PDOK, BAG and municipal sources, validate them and assign every record to buurt and wijk."""
