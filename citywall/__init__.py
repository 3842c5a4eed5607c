"""CityWall: a city's operations wall. The core package holds settings, the city
profile, district geometry, the runtime handles and the command line."""
