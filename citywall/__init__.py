"""CityWall's command line (``citywall …``) and the onboarding of a new city: the
roof over every other floor, which may use any of them."""
