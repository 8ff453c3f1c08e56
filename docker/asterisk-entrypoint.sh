#!/bin/sh
# Writes the container-specific settings from the environment, then starts Asterisk.
# The files are the optional #tryinclude hooks of extensions.conf, manager.conf and
# pjsip.conf, so the shipped configuration itself stays unchanged.
set -eu

: "${IVR_AGI:=app:4573}"                 # the app's FastAGI address on the compose network
: "${IVR_AMI_SECRET:?set IVR_AMI_SECRET (the app uses the same value)}"
: "${IVR_AMI_PERMIT:=172.16.0.0/255.240.0.0}"   # the Docker bridge networks
: "${IVR_FAILSAFE_DIAL:=PJSIP/failsafe-line}"

cat > /etc/asterisk/extensions_local.conf <<CONF
; written by asterisk-entrypoint.sh at container start
[globals]
IVR_AGI = ${IVR_AGI}
IVR_FAILSAFE_DIAL = ${IVR_FAILSAFE_DIAL}
CONF

cat > /etc/asterisk/manager_local.conf <<CONF
; written by asterisk-entrypoint.sh at container start
[general](+)
bindaddr = 0.0.0.0
[ivr](+)
secret = ${IVR_AMI_SECRET}
permit = ${IVR_AMI_PERMIT}
CONF

if [ -n "${IVR_PUBLIC_IP:-}" ]; then
  cat > /etc/asterisk/pjsip_local.conf <<CONF
; written by asterisk-entrypoint.sh at container start: SIP and RTP behind Docker's NAT
[transport-udp](+)
external_media_address = ${IVR_PUBLIC_IP}
external_signaling_address = ${IVR_PUBLIC_IP}
local_net = 172.16.0.0/12
[transport-tcp](+)
external_media_address = ${IVR_PUBLIC_IP}
external_signaling_address = ${IVR_PUBLIC_IP}
local_net = 172.16.0.0/12
CONF
fi

chown asterisk:asterisk /etc/asterisk/*_local.conf /var/spool/asterisk/monitor/ivr
exec "$@"
