"""One router per resource; handlers stay thin and leave queries to indexer.api.crud."""
