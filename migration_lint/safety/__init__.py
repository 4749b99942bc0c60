"""What operations do to a production database: locks, rewrites, scans and broken deploys.

One body of knowledge serves the safety rules (ML1xx-ML3xx) and the deploy plan
(``plan --format json|markdown``): :mod:`.effects` says, for one operation in its context
(:mod:`.scope`), which tables it locks, how, whether it rewrites or scans them and what can
go wrong; each rule reports the effects that carry its code.
"""
