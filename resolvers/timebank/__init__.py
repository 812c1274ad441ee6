"""The time bank (时间银行): volunteer service credited as points, redeemed from a catalogue."""
