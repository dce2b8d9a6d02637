"""The sample bureau (临海市公安局): a deterministic generator and the workbooks it writes.

``sample_data.generate.build_bureau`` returns (monthly, ledger) frames in the column contract of
``metrics.dataset``; ``write_bureau`` writes the demo workbooks; ``sample_data.broken`` writes
deliberately faulty workbooks with the problem codes each must produce.
"""
