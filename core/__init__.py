"""The bottom layer: records, errors, configuration, protocols and the rules every layer shares.

Nothing here imports anything else of codeidx.
"""
