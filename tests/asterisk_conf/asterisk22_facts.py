"""Facts read from the Asterisk 22.10.1 source tree (git tag 22.10.1 of asterisk/asterisk).

Names only, extracted from the tree: each module is a top-level ``*.c`` of apps/, bridges/, cdr/,
cel/, channels/, codecs/, formats/, funcs/, pbx/ or res/ holding ``AST_MODULE_INFO``; its
``.requires`` are copied as listed; built-in modules are the main/*.c that hold it. Applications
and functions come from the ``<application name=...>`` / ``<function name=...>`` documentation
blocks, mapped to the module that registers them (``None``: the core, always there). PJSIP options
come from res/res_pjsip/pjsip_config.xml and the ``<configOption>`` blocks and
``ast_sorcery_object_field_register*`` calls of res/res_pjsip*.c.
"""

from __future__ import annotations

MODULES = frozenset(
    """
    app_adsiprog app_agent_pool app_alarmreceiver app_amd app_attended_transfer
    app_audiosocket app_authenticate app_blind_transfer app_bridgeaddchan app_bridgewait
    app_broadcast app_cdr app_celgenuserevent app_chanisavail app_channelredirect
    app_chanspy app_confbridge app_controlplayback app_db app_dial app_dictate
    app_directed_pickup app_directory app_disa app_dtmfstore app_dumpchan app_echo
    app_exec app_externalivr app_festival app_flash app_followme app_forkcdr
    app_getcpeid app_if app_ivrdemo app_jack app_meetme app_mf app_milliwatt app_minivm
    app_mixmonitor app_morsecode app_mp3 app_originate app_page app_playback
    app_playtones app_privacy app_queue app_read app_readexten app_record app_reload
    app_saycounted app_sayunixtime app_senddtmf app_sendtext app_sf app_signal app_skel
    app_sla app_sms app_softhangup app_speech_utils app_stack app_stasis
    app_stasis_broadcast app_statsd app_stream_echo app_system app_talkdetect app_test
    app_transfer app_userevent app_verbose app_voicemail app_voicemail_imap
    app_voicemail_odbc app_waitforcond app_waitforring app_waitforsilence app_waituntil
    app_while app_zapateller bridge_builtin_features bridge_builtin_interval_features
    bridge_holding bridge_native_rtp bridge_simple bridge_softmix cdr_adaptive_odbc
    cdr_beanstalkd cdr_csv cdr_custom cdr_manager cdr_odbc cdr_pgsql cdr_radius
    cdr_sqlite3_custom cdr_tds cel_beanstalkd cel_custom cel_manager cel_odbc cel_pgsql
    cel_radius cel_sqlite3_custom cel_tds chan_audiosocket chan_bridge_media
    chan_console chan_dahdi chan_iax2 chan_motif chan_pjsip chan_rtp chan_unistim
    chan_websocket codec_a_mu codec_adpcm codec_alaw codec_codec2 codec_dahdi codec_g722
    codec_g726 codec_gsm codec_ilbc codec_lpc10 codec_resample codec_speex codec_ulaw
    format_g719 format_g723 format_g726 format_g729 format_gsm format_h263 format_h264
    format_ilbc format_ogg_speex format_ogg_vorbis format_pcm format_siren14
    format_siren7 format_sln format_vox format_wav format_wav_gsm func_aes func_base64
    func_blacklist func_callcompletion func_callerid func_cdr func_channel func_config
    func_curl func_cut func_db func_devstate func_dialgroup func_dialplan func_enum
    func_env func_evalexten func_export func_extstate func_frame_drop func_frame_trace
    func_global func_groupcount func_hangupcause func_holdintercept func_iconv
    func_jitterbuffer func_json func_lock func_logic func_math func_md5 func_module
    func_odbc func_periodic_hook func_pitchshift func_pjsip_aor func_pjsip_contact
    func_pjsip_endpoint func_presencestate func_rand func_realtime func_sayfiles
    func_scramble func_sha1 func_shell func_sorcery func_speex func_sprintf func_srv
    func_strings func_sysinfo func_talkdetect func_timeout func_uri func_uuid
    func_version func_vmcount func_volume pbx_ael pbx_config pbx_dundi pbx_loopback
    pbx_lua pbx_realtime pbx_spool res_adsi res_aeap res_ael_share res_agi res_ari
    res_ari_applications res_ari_asterisk res_ari_bridges res_ari_channels
    res_ari_device_states res_ari_endpoints res_ari_events res_ari_mailboxes
    res_ari_model res_ari_playbacks res_ari_recordings res_ari_sounds res_audiosocket
    res_calendar res_calendar_caldav res_calendar_ews res_calendar_exchange
    res_calendar_icalendar res_cdrel_custom res_chan_stats res_clialiases res_cliexec
    res_clioriginate res_config_curl res_config_ldap res_config_odbc res_config_pgsql
    res_config_sqlite3 res_convert res_corosync res_crypto res_curl res_endpoint_stats
    res_fax res_fax_spandsp res_format_attr_celt res_format_attr_g729
    res_format_attr_h263 res_format_attr_h264 res_format_attr_ilbc res_format_attr_opus
    res_format_attr_silk res_format_attr_siren14 res_format_attr_siren7
    res_format_attr_vp8 res_geolocation res_hep res_hep_pjsip res_hep_rtcp
    res_http_media_cache res_http_post res_http_websocket res_limit
    res_manager_devicestate res_manager_presencestate res_musiconhold res_mutestream
    res_mwi_devstate res_mwi_external res_mwi_external_ami res_odbc res_odbc_transaction
    res_parking res_phoneprov res_pjproject res_pjsip res_pjsip_acl res_pjsip_aoc
    res_pjsip_authenticator_digest res_pjsip_caller_id res_pjsip_config_wizard
    res_pjsip_dialog_info_body_generator res_pjsip_diversion res_pjsip_dlg_options
    res_pjsip_dtmf_info res_pjsip_empty_info res_pjsip_endpoint_identifier_anonymous
    res_pjsip_endpoint_identifier_ip res_pjsip_endpoint_identifier_user
    res_pjsip_exten_state res_pjsip_geolocation res_pjsip_header_funcs res_pjsip_history
    res_pjsip_logger res_pjsip_maintenance res_pjsip_messaging res_pjsip_mwi
    res_pjsip_mwi_body_generator res_pjsip_nat res_pjsip_notify
    res_pjsip_one_touch_record_info res_pjsip_outbound_authenticator_digest
    res_pjsip_outbound_publish res_pjsip_outbound_registration res_pjsip_path
    res_pjsip_phoneprov_provider res_pjsip_pidf_body_generator
    res_pjsip_pidf_digium_body_supplement res_pjsip_pidf_eyebeam_body_supplement
    res_pjsip_publish_asterisk res_pjsip_pubsub res_pjsip_refer res_pjsip_registrar
    res_pjsip_rfc3326 res_pjsip_rfc3329 res_pjsip_sdp_rtp res_pjsip_send_to_voicemail
    res_pjsip_session res_pjsip_sips_contact res_pjsip_stir_shaken res_pjsip_t38
    res_pjsip_transport_websocket res_pjsip_xpidf_body_generator res_prometheus
    res_realtime res_remb_modifier res_resolver_unbound res_rtp_asterisk
    res_rtp_multicast res_security_log res_smdi res_snmp res_sorcery_astdb
    res_sorcery_config res_sorcery_memory res_sorcery_memory_cache res_sorcery_realtime
    res_speech res_speech_aeap res_srtp res_stasis res_stasis_answer
    res_stasis_broadcast res_stasis_device_state res_stasis_mailbox res_stasis_playback
    res_stasis_recording res_stasis_snoop res_stasis_test res_statsd res_stir_shaken
    res_stun_monitor res_timing_dahdi res_timing_kqueue res_timing_pthread
    res_timing_timerfd res_tonedetect res_websocket_client res_xmpp
    """.split()
)

BUILTIN_MODULES = frozenset(
    """
    ccss cdr cel config dnsmgr dsp enum features http indications loader logger manager
    named_acl plc sounds udptl
    """.split()
)

# module = the modules its AST_MODULE_INFO .requires names
_REQUIRES_TEXT = """
    app_adsiprog=res_adsi app_audiosocket=res_audiosocket app_celgenuserevent=cel
    app_forkcdr=cdr app_getcpeid=res_adsi app_page=app_confbridge
    app_speech_utils=res_speech app_stasis=res_stasis,res_ari
    app_stasis_broadcast=res_stasis,res_stasis_broadcast app_statsd=res_statsd
    cdr_adaptive_odbc=cdr,res_odbc cdr_beanstalkd=cdr cdr_csv=cdr
    cdr_custom=cdr,res_cdrel_custom cdr_manager=cdr cdr_odbc=cdr,res_odbc cdr_pgsql=cdr
    cdr_radius=cdr cdr_sqlite3_custom=cdr,res_cdrel_custom cdr_tds=cdr cel_beanstalkd=cel
    cel_custom=cel,res_cdrel_custom cel_manager=cel cel_odbc=cel,res_odbc cel_pgsql=cel
    cel_radius=cel cel_sqlite3_custom=cel,res_cdrel_custom cel_tds=cel
    chan_audiosocket=res_audiosocket chan_dahdi=ccss chan_iax2=dnsmgr chan_motif=res_xmpp
    chan_pjsip=res_pjsip,res_pjsip_session,res_pjsip_pubsub chan_rtp=res_rtp_multicast
    chan_websocket=res_http_websocket,res_websocket_client func_aes=res_crypto
    func_callcompletion=ccss func_cdr=cdr func_curl=res_curl func_enum=enum
    func_odbc=res_odbc func_periodic_hook=app_chanspy,func_cut,func_groupcount,func_uri
    func_pjsip_aor=res_pjsip func_pjsip_contact=res_pjsip func_pjsip_endpoint=res_pjsip
    pbx_ael=res_ael_share res_aeap=res_http_websocket res_agi=res_speech
    res_ari=http,res_stasis,res_http_websocket,res_websocket_client
    res_ari_applications=res_ari,res_ari_model,res_stasis
    res_ari_asterisk=res_ari,res_ari_model,res_stasis
    res_ari_bridges=res_ari,res_ari_model,res_stasis,res_stasis_recording,res_stasis_playback
    res_ari_channels=res_ari,res_ari_model,res_stasis,res_stasis_answer,res_stasis_playback,res_stasis_recording,res_stasis_snoop
    res_ari_device_states=res_ari,res_ari_model,res_stasis,res_stasis_device_state
    res_ari_endpoints=res_ari,res_ari_model,res_stasis
    res_ari_events=res_ari,res_ari_model,res_stasis,res_http_websocket
    res_ari_mailboxes=res_ari,res_ari_model,res_stasis,res_stasis_mailbox
    res_ari_playbacks=res_ari,res_ari_model,res_stasis,res_stasis_playback
    res_ari_recordings=res_ari,res_ari_model,res_stasis,res_stasis_recording
    res_ari_sounds=res_ari,res_ari_model,res_stasis res_calendar_caldav=res_calendar
    res_calendar_ews=res_calendar res_calendar_exchange=res_calendar
    res_calendar_icalendar=res_calendar res_chan_stats=res_statsd
    res_config_curl=extconfig,res_curl,func_curl res_config_ldap=extconfig
    res_config_odbc=extconfig,res_odbc res_config_pgsql=extconfig
    res_config_sqlite3=extconfig res_endpoint_stats=res_statsd
    res_hep_pjsip=res_pjsip,res_pjsip_session,res_hep res_hep_rtcp=res_hep
    res_http_media_cache=res_curl res_http_post=http res_http_websocket=http
    res_mwi_external_ami=res_mwi_external res_odbc=res_odbc_transaction res_phoneprov=http
    res_pjproject=res_sorcery_config
    res_pjsip=dnsmgr,res_pjproject,res_sorcery_config,res_sorcery_memory,res_sorcery_astdb
    res_pjsip_acl=res_pjsip res_pjsip_aoc=res_pjsip res_pjsip_authenticator_digest=res_pjsip
    res_pjsip_caller_id=res_pjsip,res_pjsip_session
    res_pjsip_dialog_info_body_generator=res_pjsip,res_pjsip_pubsub
    res_pjsip_diversion=res_pjsip,res_pjsip_session
    res_pjsip_dlg_options=res_pjsip,res_pjsip_session
    res_pjsip_dtmf_info=res_pjsip,res_pjsip_session
    res_pjsip_empty_info=res_pjsip,res_pjsip_session
    res_pjsip_endpoint_identifier_anonymous=res_pjsip
    res_pjsip_endpoint_identifier_ip=res_pjsip res_pjsip_endpoint_identifier_user=res_pjsip
    res_pjsip_exten_state=res_pjsip,res_pjsip_pubsub,res_pjsip_outbound_publish
    res_pjsip_geolocation=res_geolocation,res_pjsip,res_pjsip_session,chan_pjsip
    res_pjsip_header_funcs=res_pjsip,res_pjsip_session res_pjsip_history=res_pjsip
    res_pjsip_logger=res_pjsip res_pjsip_maintenance=res_pjsip,res_pjsip_session
    res_pjsip_messaging=res_pjsip,res_pjsip_session res_pjsip_mwi=res_pjsip,res_pjsip_pubsub
    res_pjsip_mwi_body_generator=res_pjsip,res_pjsip_pubsub
    res_pjsip_nat=res_pjsip,res_pjsip_session res_pjsip_notify=res_pjsip
    res_pjsip_one_touch_record_info=res_pjsip,res_pjsip_session
    res_pjsip_outbound_authenticator_digest=res_pjsip
    res_pjsip_outbound_publish=res_pjproject,res_pjsip
    res_pjsip_outbound_registration=res_pjsip res_pjsip_path=res_pjsip,res_pjsip_session
    res_pjsip_phoneprov_provider=res_pjsip,res_phoneprov
    res_pjsip_pidf_body_generator=res_pjsip,res_pjsip_pubsub
    res_pjsip_pidf_digium_body_supplement=res_pjsip,res_pjsip_pubsub
    res_pjsip_pidf_eyebeam_body_supplement=res_pjsip,res_pjsip_pubsub
    res_pjsip_publish_asterisk=res_pjsip,res_pjsip_outbound_publish,res_pjsip_pubsub
    res_pjsip_pubsub=res_pjsip res_pjsip_refer=res_pjsip,res_pjsip_session,res_pjsip_pubsub
    res_pjsip_registrar=res_pjproject,res_pjsip
    res_pjsip_rfc3326=res_pjsip,res_pjsip_session
    res_pjsip_rfc3329=res_pjsip,res_pjsip_session
    res_pjsip_sdp_rtp=res_pjsip,res_pjsip_session
    res_pjsip_send_to_voicemail=res_pjsip,res_pjsip_session res_pjsip_session=res_pjsip
    res_pjsip_sips_contact=res_pjsip
    res_pjsip_stir_shaken=res_pjsip,res_pjsip_session,res_stir_shaken
    res_pjsip_t38=res_pjsip,res_pjsip_session,udptl
    res_pjsip_transport_websocket=res_pjsip,res_http_websocket
    res_pjsip_xpidf_body_generator=res_pjsip,res_pjsip_pubsub res_prometheus=res_pjsip
    res_rtp_asterisk=res_pjproject res_speech_aeap=res_speech,res_aeap
    res_stasis_answer=res_stasis res_stasis_broadcast=res_stasis,res_ari,http
    res_stasis_device_state=res_stasis res_stasis_mailbox=res_stasis,res_mwi_external
    res_stasis_playback=res_stasis,res_stasis_recording res_stasis_recording=res_stasis
    res_stasis_snoop=res_stasis res_stir_shaken=res_curl
    res_websocket_client=res_http_websocket
"""
REQUIRES: dict[str, tuple[str, ...]] = {
    k: tuple(v.split(",")) for k, v in (t.split("=") for t in _REQUIRES_TEXT.split())
}

# applications name = module that registers it ("core": always loaded)
_APPLICATIONS_TEXT = """
    ADSIProg=app_adsiprog AELSub=pbx_ael AGI=res_agi AMD=app_amd AddQueueMember=app_queue
    AgentLogin=app_agent_pool AgentRequest=app_agent_pool AlarmReceiver=app_alarmreceiver
    Answer=core AttendedTransfer=app_attended_transfer AudioSocket=app_audiosocket
    Authenticate=app_authenticate BackGround=core BackgroundDetect=app_talkdetect
    BlindTransfer=app_blind_transfer Bridge=core BridgeAdd=app_bridgeaddchan
    BridgeWait=app_bridgewait Broadcast=app_broadcast Busy=core
    CELGenUserEvent=app_celgenuserevent CallCompletionCancel=core CallCompletionRequest=core
    ChanIsAvail=app_chanisavail ChanSpy=app_chanspy ChannelRedirect=app_channelredirect
    ClearHash=func_strings ConfBridge=app_confbridge ConfKick=app_confbridge Congestion=core
    ContinueWhile=app_while ControlPlayback=app_controlplayback DAHDIAcceptR2Call=chan_dahdi
    DAHDIScan=app_chanspy DAHDISendCallreroutingFacility=chan_dahdi
    DAHDISendKeypadFacility=chan_dahdi DBdeltree=app_db DISA=app_disa
    DateTime=app_sayunixtime DeadAGI=res_agi Dial=app_dial Dictate=app_dictate
    Directory=app_directory DumpChan=app_dumpchan EAGI=res_agi Echo=app_echo Else=app_if
    ElseIf=app_if EndIf=app_if EndWhile=app_while Exec=app_exec ExecIf=app_exec
    ExecIfTime=core ExitIf=app_if ExitWhile=app_while ExtenSpy=app_chanspy
    ExternalIVR=app_externalivr Festival=app_festival Flash=app_flash FollowMe=app_followme
    ForkCDR=app_forkcdr GetCPEID=app_getcpeid Gosub=app_stack GosubIf=app_stack Goto=core
    GotoIf=core GotoIfTime=core Hangup=core HangupCauseClear=func_hangupcause
    IAX2Provision=chan_iax2 IVRDemo=app_ivrdemo If=app_if Incomplete=core JACK=app_jack
    JabberJoin=res_xmpp JabberLeave=res_xmpp JabberSend=res_xmpp JabberSendGroup=res_xmpp
    Log=app_verbose MP3Player=app_mp3 MSet=core MeetMe=app_meetme MeetMeAdmin=app_meetme
    MeetMeChannelAdmin=app_meetme MeetMeCount=app_meetme MessageSend=core
    Milliwatt=app_milliwatt MinivmAccMess=app_minivm MinivmDelete=app_minivm
    MinivmGreet=app_minivm MinivmMWI=app_minivm MinivmNotify=app_minivm
    MinivmRecord=app_minivm MixMonitor=app_mixmonitor Morsecode=app_morsecode
    MusicOnHold=res_musiconhold NoOp=core ODBCFinish=func_odbc
    ODBC_Commit=res_odbc_transaction ODBC_Rollback=res_odbc_transaction
    Originate=app_originate PJSIPHangup=chan_pjsip PJSIPNotify=chan_pjsip Page=app_page
    Park=res_parking ParkAndAnnounce=res_parking ParkedCall=res_parking
    PauseQueueMember=app_queue Pickup=app_directed_pickup PickupChan=app_directed_pickup
    PlayTones=app_playtones Playback=app_playback PrivacyManager=app_privacy Proceeding=core
    Progress=core Queue=app_queue QueueLog=app_queue QueueUpdate=app_queue
    RaiseException=core Read=app_read ReadExten=app_readexten ReceiveFAX=res_fax
    ReceiveMF=app_mf ReceiveSF=app_sf ReceiveText=app_sendtext Record=app_record
    Reload=app_reload RemoveQueueMember=app_queue ResetCDR=app_cdr RetryDial=app_dial
    Return=app_stack Ringing=core SLAStation=app_sla SLATrunk=app_sla SMS=app_sms
    SayAlpha=core SayAlphaCase=core SayCountedAdj=app_saycounted
    SayCountedNoun=app_saycounted SayDigits=core SayMoney=core SayNumber=core
    SayOrdinal=core SayPhonetic=core SayUnixTime=app_sayunixtime SendDTMF=app_senddtmf
    SendFAX=res_fax SendMF=app_mf SendSF=app_sf SendText=app_sendtext Set=core
    Signal=app_signal SkelGuessNumber=app_skel SoftHangup=app_softhangup
    SpeechActivateGrammar=app_speech_utils SpeechBackground=app_speech_utils
    SpeechCreate=app_speech_utils SpeechDeactivateGrammar=app_speech_utils
    SpeechDestroy=app_speech_utils SpeechLoadGrammar=app_speech_utils
    SpeechProcessingSound=app_speech_utils SpeechStart=app_speech_utils
    SpeechUnloadGrammar=app_speech_utils StackPop=app_stack StartMusicOnHold=res_musiconhold
    Stasis=app_stasis StasisBroadcast=app_stasis_broadcast StatsD=app_statsd
    StopMixMonitor=app_mixmonitor StopMusicOnHold=res_musiconhold
    StopPlayTones=app_playtones StoreDTMF=app_dtmfstore StreamEcho=app_stream_echo
    System=app_system TestClient=app_test TestServer=app_test ToneScan=res_tonedetect
    Transfer=app_transfer TryExec=app_exec TrySystem=app_system UnpauseQueueMember=app_queue
    UserEvent=app_userevent VMAuthenticate=app_voicemail_imap VMSayName=app_voicemail_imap
    Verbose=app_verbose VoiceMail=app_voicemail_imap VoiceMailMain=app_voicemail_imap
    VoiceMailPlayMsg=app_voicemail_imap Wait=core WaitDigit=core WaitExten=core
    WaitForCondition=app_waitforcond WaitForNoise=app_waitforsilence
    WaitForRing=app_waitforring WaitForSignal=app_signal WaitForSilence=app_waitforsilence
    WaitForTone=res_tonedetect WaitUntil=app_waituntil While=app_while
    Zapateller=app_zapateller
"""
APPLICATIONS: dict[str, str | None] = {
    k: (None if v == "core" else v) for k, v in (t.split("=") for t in _APPLICATIONS_TEXT.split())
}

# functions name = module that registers it ("core": always loaded)
_FUNCTIONS_TEXT = """
    ABS=func_math AES_DECRYPT=func_aes AES_ENCRYPT=func_aes AGC=func_speex
    AGENT=app_agent_pool AMI_CLIENT=core ARRAY=func_strings AST_CONFIG=func_config
    AST_SORCERY=func_sorcery BASE64_DECODE=func_base64 BASE64_ENCODE=func_base64
    BASENAME=func_env BLACKLIST=func_blacklist CALENDAR_BUSY=res_calendar
    CALENDAR_EVENT=res_calendar CALENDAR_QUERY=res_calendar
    CALENDAR_QUERY_RESULT=res_calendar CALENDAR_WRITE=res_calendar
    CALLCOMPLETION=func_callcompletion CALLERID=func_callerid CDR=func_cdr CDR_PROP=func_cdr
    CHANNEL=func_channel CHANNELS=func_channel CHANNEL_EXISTS=func_channel
    CONFBRIDGE=app_confbridge CONFBRIDGE_CHANNELS=app_confbridge
    CONFBRIDGE_INFO=app_confbridge CONNECTEDLINE=func_callerid CSV_QUOTE=func_strings
    CURL=func_curl CURLOPT=func_curl CUT=func_cut DAHDI_CHANNEL=chan_dahdi DB=func_db
    DB_DELETE=func_db DB_EXISTS=func_db DB_KEYCOUNT=func_db DB_KEYS=func_db DEC=func_math
    DELETE=func_logic DENOISE=func_speex DEVICE_STATE=func_devstate DIALGROUP=func_dialgroup
    DIALPLAN_EXISTS=func_dialplan DIGIT_SUM=func_math DIRNAME=func_env DUNDILOOKUP=pbx_dundi
    DUNDIQUERY=pbx_dundi DUNDIRESULT=pbx_dundi ENUMLOOKUP=func_enum ENUMQUERY=func_enum
    ENUMRESULT=func_enum ENV=func_env EVAL=func_strings EVAL_EXTEN=func_evalexten
    EVAL_SUB=func_evalexten EXCEPTION=core EXISTS=func_logic EXPORT=func_export
    EXTENSION_STATE=func_extstate FAXOPT=res_fax FEATURE=core FEATUREMAP=core
    FIELDNUM=func_strings FIELDQTY=func_strings FILE=func_env FILE_COUNT_LINE=func_env
    FILE_FORMAT=func_env FILTER=func_strings FRAME_DROP=func_frame_drop
    FRAME_TRACE=func_frame_trace GEOLOC_PROFILE=geoloc GLOBAL=func_global
    GLOBAL_DELETE=func_global GLOBAL_EXISTS=func_global GROUP=func_groupcount
    GROUP_COUNT=func_groupcount GROUP_LIST=func_groupcount GROUP_MATCH_COUNT=func_groupcount
    HANGUPCAUSE=func_hangupcause HANGUPCAUSE_KEYS=func_hangupcause HASH=func_strings
    HASHKEYS=func_strings HINT=func_devstate HOLD_INTERCEPT=func_holdintercept
    IAXPEER=chan_iax2 IAXVAR=chan_iax2 ICONV=func_iconv IF=func_logic IFMODULE=func_module
    IFTIME=func_logic IMPORT=func_logic INC=func_math ISNULL=func_logic
    JABBER_RECEIVE=res_xmpp JABBER_STATUS=res_xmpp JITTERBUFFER=func_jitterbuffer
    JSON_DECODE=func_json KEYPADHASH=func_strings LEN=func_strings LISTFILTER=func_strings
    LOCAL=app_stack LOCAL_PEEK=app_stack LOCK=func_lock LOG_GROUP=core LTRIM=func_strings
    MASTER_CHANNEL=func_channel MATH=func_math MAX=func_math MD5=func_md5
    MEETME_INFO=app_meetme MESSAGE=core MESSAGE_DATA=core MIN=func_math
    MINIVMACCOUNT=app_minivm MINIVMCOUNTER=app_minivm MIXMONITOR=app_mixmonitor
    MUTEAUDIO=res_mutestream ODBC=res_odbc_transaction ODBC_FETCH=func_odbc
    PARK_GET_CHANNEL=res_parking PASSTHRU=func_strings PERIODIC_HOOK=func_periodic_hook
    PITCH_SHIFT=func_pitchshift PJSIP_AOR=func_pjsip_aor PJSIP_CONTACT=func_pjsip_contact
    PJSIP_DIAL_CONTACTS=chan_pjsip PJSIP_DTMF_MODE=chan_pjsip
    PJSIP_ENDPOINT=func_pjsip_endpoint PJSIP_HEADER=res_pjsip_header_funcs
    PJSIP_HEADERS=res_pjsip_header_funcs PJSIP_HEADER_PARAM=res_pjsip_header_funcs
    PJSIP_INHERITABLE_HEADER=res_pjsip_header_funcs PJSIP_MEDIA_OFFER=chan_pjsip
    PJSIP_MOH_PASSTHROUGH=chan_pjsip PJSIP_PARSE_URI=chan_pjsip
    PJSIP_PARSE_URI_FROM=chan_pjsip PJSIP_RESPONSE_HEADER=res_pjsip_header_funcs
    PJSIP_RESPONSE_HEADERS=res_pjsip_header_funcs PJSIP_SEND_SESSION_REFRESH=chan_pjsip
    PJSIP_TRANSFER_HANDLING=chan_pjsip POLARITY=chan_dahdi POP=func_strings
    PP_EACH_EXTENSION=res_phoneprov PP_EACH_USER=res_phoneprov
    PRESENCE_STATE=func_presencestate PUSH=func_strings QUEUE_EXISTS=app_queue
    QUEUE_GET_CHANNEL=app_queue QUEUE_MEMBER=app_queue QUEUE_MEMBER_COUNT=app_queue
    QUEUE_MEMBER_LIST=app_queue QUEUE_MEMBER_PENALTY=app_queue QUEUE_VARIABLES=app_queue
    QUEUE_WAITING_COUNT=app_queue QUOTE=func_strings RAND=func_rand REALTIME=func_realtime
    REALTIME_DESTROY=func_realtime REALTIME_FIELD=func_realtime REALTIME_HASH=func_realtime
    REALTIME_STORE=func_realtime RECORDING_INFO=app_record REDIRECTING=func_callerid
    REGEX=func_strings REPLACE=func_strings RTRIM=func_strings SAYFILES=func_sayfiles
    SCRAMBLE=func_scramble SET=func_logic SHA1=func_sha1 SHARED=func_global SHELL=func_shell
    SHIFT=func_strings SMDI_MSG=res_smdi SMDI_MSG_RETRIEVE=res_smdi SORT=func_cut
    SPEECH=app_speech_utils SPEECH_ENGINE=app_speech_utils SPEECH_GRAMMAR=app_speech_utils
    SPEECH_RESULTS_TYPE=app_speech_utils SPEECH_SCORE=app_speech_utils
    SPEECH_TEXT=app_speech_utils SPRINTF=func_sprintf SQL_ESC=func_odbc
    SQL_ESC_BACKSLASHES=func_odbc SRVQUERY=func_srv SRVRESULT=func_srv STACK_PEEK=app_stack
    STAT=func_env STIR_SHAKEN=stir_shaken STIR_SHAKEN_ATTESTATION=stir_shaken
    STRBETWEEN=func_strings STRFTIME=func_strings STRPTIME=func_strings
    STRREPLACE=func_strings SYSINFO=func_sysinfo TALK_DETECT=func_talkdetect TESTTIME=core
    TIMEOUT=func_timeout TOLOWER=func_strings TONE_DETECT=res_tonedetect
    TOUPPER=func_strings TRIM=func_strings TRYLOCK=func_lock TXTCIDNAME=func_enum
    UNLOCK=func_lock UNSHIFT=func_strings URIDECODE=func_uri URIENCODE=func_uri
    UUID=func_uuid VALID_EXTEN=func_dialplan VARIABLE_EXISTS=func_logic VERSION=func_version
    VMCOUNT=func_vmcount VM_INFO=app_voicemail_imap VOLUME=func_volume
"""
FUNCTIONS: dict[str, str | None] = {
    k: (None if v == "core" else v) for k, v in (t.split("=") for t in _FUNCTIONS_TEXT.split())
}

PJSIP_OPTIONS: dict[str, frozenset[str]] = {
    "global": frozenset(
        """
        all_codecs_on_empty_reinvite allow_sending_180_after_183
        contact_expiration_check_interval debug default_auth_algorithms_uac
        default_auth_algorithms_uas default_from_user default_outbound_endpoint
        default_realm default_voicemail_extension disable_multi_domain
        endpoint_identifier_order ignore_uri_user_options keep_alive_interval
        max_forwards max_initial_qualify_time mwi_disable_initial_unsolicited
        mwi_tps_queue_high mwi_tps_queue_low norefersub regcontext
        send_contact_status_on_update_registration
        taskprocessor_overload_trigger type unidentified_request_count
        unidentified_request_period unidentified_request_prune_interval
        use_callerid_contact user_agent
        """.split()
    ),
    "system": frozenset(
        """
        accept_multiple_sdp_answers compact_headers disable_rport
        disable_tcp_switch follow_early_media_fork taskpool_auto_increment
        taskpool_idle_timeout taskpool_initial_size taskpool_max_size
        taskpool_minimum_size threadpool_auto_increment threadpool_idle_timeout
        threadpool_initial_size threadpool_max_size timer_b timer_t1 type
        """.split()
    ),
    "transport": frozenset(
        """
        allow_reload allow_wildcard_certs async_operations bind ca_list_file
        ca_list_path cert_file cipher cos domain external_media_address
        external_signaling_address external_signaling_port local_net method
        password priv_key_file protocol require_client_cert symmetric_transport
        tcp_keepalive_enable tcp_keepalive_idle_time tcp_keepalive_interval_time
        tcp_keepalive_probe_count tos type verify_client verify_server
        websocket_write_timeout
        """.split()
    ),
    "endpoint": frozenset(
        """
        100rel accept_multiple_sdp_answers accountcode acl aggregate_mwi allow
        allow_overlap allow_subscribe allow_transfer
        allow_unauthenticated_options aors asymmetric_rtp_codec auth
        bind_rtp_to_media_address bundle call_group callerid callerid_privacy
        callerid_tag codec_prefs_incoming_answer codec_prefs_incoming_offer
        codec_prefs_outgoing_answer codec_prefs_outgoing_offer
        connected_line_method contact_acl contact_deny contact_permit
        contact_user context cos_audio cos_video deny device_state_busy_at
        direct_media direct_media_glare_mitigation direct_media_method
        disable_direct_media_on_nat disallow dtls_auto_generate_cert
        dtls_ca_file dtls_ca_path dtls_cert_file dtls_cipher dtls_fingerprint
        dtls_private_key dtls_rekey dtls_setup dtls_verify dtmf_mode fax_detect
        fax_detect_timeout follow_early_media_fork follow_redirect_methods
        force_avp force_rport from_domain from_user g726_non_standard
        geoloc_incoming_call_profile geoloc_outgoing_call_profile ice_support
        identify_by ignore_183_without_sdp inband_progress
        incoming_call_offer_pref incoming_mwi_mailbox language mailboxes
        max_audio_streams max_video_streams media_address media_encryption
        media_encryption_optimistic media_use_received_transport message_context
        moh_passthrough moh_suggest mwi_from_user
        mwi_subscribe_replaces_unsolicited named_call_group named_pickup_group
        notify_early_inuse_ringing one_touch_recording outbound_auth
        outbound_proxy outgoing_call_offer_pref overlap_context permit
        pickup_group preferred_codec_only record_off_feature record_on_feature
        redirect_method refer_blind_progress rewrite_contact rpid_immediate
        rtcp_mux rtp_engine rtp_ipv6 rtp_keepalive rtp_port_end rtp_port_start
        rtp_symmetric rtp_timeout rtp_timeout_hold sdp_owner sdp_session
        security_mechanisms security_negotiation send_aoc send_connected_line
        send_diversion send_history_info send_pai send_rpid set_var srtp_tag_32
        stir_shaken stir_shaken_profile sub_min_expiry subscribe_context
        suppress_moh_on_sendonly suppress_q850_reason_headers
        t38_bind_udptl_to_media_address t38_udptl t38_udptl_ec t38_udptl_ipv6
        t38_udptl_maxdatagram t38_udptl_nat tenantid timers timers_min_se
        timers_sess_expires tone_zone tos_audio tos_video transport
        trust_connected_line trust_id_inbound trust_id_outbound type use_avpf
        use_ptime user_eq_phone voicemail_extension webrtc
        """.split()
    ),
    "aor": frozenset(
        """
        authenticate_qualify contact default_expiration mailboxes max_contacts
        maximum_expiration minimum_expiration outbound_proxy qualify_2xx_only
        qualify_frequency qualify_timeout remove_existing remove_unavailable
        support_path type voicemail_extension
        """.split()
    ),
    "auth": frozenset(
        """
        auth_type md5_cred nonce_lifetime oauth_clientid oauth_secret password
        password_digest realm refresh_token supported_algorithms_uac
        supported_algorithms_uas type username
        """.split()
    ),
    "identify": frozenset(
        """
        endpoint match match_header match_request_uri srv_lookups type
        """.split()
    ),
    "registration": frozenset(
        """
        auth_rejection_permanent client_uri contact_header_params contact_user
        endpoint expiration fatal_retry_interval forbidden_retry_interval line
        max_random_initial_delay max_retries outbound_auth outbound_proxy
        retry_interval security_mechanisms security_negotiation server_uri
        support_outbound support_path transport type user_agent
        """.split()
    ),
    "acl": frozenset(
        """
        acl contact_acl contact_deny contact_permit deny permit type
        """.split()
    ),
    "domain_alias": frozenset(
        """
        domain type
        """.split()
    ),
}
