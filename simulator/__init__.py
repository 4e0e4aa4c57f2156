"""Everything emulated: the platform, the provider gateways, the phones and the one clock."""
