"""The collect stage: the diary database's entries of a period, their trees and linked pages."""
