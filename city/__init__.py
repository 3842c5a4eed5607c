"""The ground floor: what a city is (its profile, districts and their shapes, its
disaster ladder, its languages, the hosts it lets the wall reach) and the records
every floor above speaks of. It imports nothing of CityWall's own."""
